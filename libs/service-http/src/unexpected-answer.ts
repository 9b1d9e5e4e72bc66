import { Validators } from '@pushwire/protocol';
import type { JsonResponse } from './json-http-client';
import { ServiceCallError } from './service-call-error';

/**
 * The ServiceCallError for an answer a client did not expect. With the service's JSON error body it
 * carries the service's code and its `retriable` flag; without one it is `invalid_response`,
 * retriable all the same when the status was 5xx or 429 (a proxy or a failing server answered, and
 * the next try may reach a healthy one).
 *
 * `what` names the call in the message, e.g. `registry POST /v1/lookup`.
 */
export function unexpectedAnswer(what: string, res: JsonResponse): ServiceCallError {
  const { status, body } = res;
  if (Validators.errorBody.is(body)) {
    const { code, message, retriable } = body.error;
    return new ServiceCallError(code, `${what} answered ${status}: ${code}: ${message}`, { retriable, status, body });
  }
  return new ServiceCallError('invalid_response', `${what} answered ${status}: unexpected answer`, {
    retriable: status >= 500 || status === 429,
    status,
    body,
  });
}

/** The body of an answer with the expected status; any other answer rejects as unexpectedAnswer says. */
export function expectStatus<T>(res: JsonResponse<T>, status: number, what: string): T {
  if (res.status === status) return res.body;
  throw unexpectedAnswer(what, res);
}
