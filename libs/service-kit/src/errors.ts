import { ErrorCodes, type ErrorBody, type ErrorCode, type ValidationIssue } from '@pushwire/protocol';

/** The JSON body every service answers with on a non-2xx status. */
export function errorBody(code: ErrorCode, message: string, details?: ValidationIssue[]): ErrorBody {
  return { error: { code, message, retriable: ErrorCodes[code].retriable, ...(details?.length ? { details } : {}) } };
}

/** HTTP status for an error code, from the one catalogue. */
export const httpStatusOf = (code: ErrorCode): number => ErrorCodes[code].http;
