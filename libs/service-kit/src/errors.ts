import { ErrorCodes, type ErrorBody, type ErrorCode, type ValidationIssue } from '@pushwire/protocol';

/** The JSON body every service answers with on a non-2xx status. */
export function errorBody(code: ErrorCode, message: string, details?: ValidationIssue[]): ErrorBody {
  return { error: { code, message, retriable: ErrorCodes[code].retriable, ...(details?.length ? { details } : {}) } };
}

/** HTTP status for an error code, from the one catalogue. */
export const httpStatusOf = (code: ErrorCode): number => ErrorCodes[code].http;

/**
 * An error from a call to another Pushwire service (or its absence). `retriable` says whether the
 * same call may succeed later; `status` is the HTTP status when there was a response.
 */
export class ServiceCallError extends Error {
  override readonly name = 'ServiceCallError';
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly status?: number,
    readonly body?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
