import { PushwireError, type ErrorCode, type PushwireErrorOptions } from '@pushwire/protocol';

/** What a ServiceCallError carries besides its code and message. */
export interface ServiceCallErrorOptions extends PushwireErrorOptions {
  /** HTTP status of the answer; absent when nothing answered. */
  status?: number;
  /** The answer's body: parsed JSON, or the text when it was not JSON. */
  body?: unknown;
}

/**
 * An error from a call to another Pushwire service, or from its absence. `code` is the catalogue
 * code the service put in its JSON error body; when it gave none, it is `unreachable` (nothing
 * answered: refused, reset, timed out, aborted) or `invalid_response` (an answer outside the API's
 * contract). `retriable` says whether the same call may succeed later; `status` and `body` are the
 * answer's, when there was one.
 */
export class ServiceCallError extends PushwireError {
  override readonly name = 'ServiceCallError';
  readonly status?: number;
  readonly body?: unknown;

  constructor(code: ErrorCode, message: string, options: ServiceCallErrorOptions = {}) {
    super(code, message, options);
    this.status = options.status;
    this.body = options.body;
  }
}
