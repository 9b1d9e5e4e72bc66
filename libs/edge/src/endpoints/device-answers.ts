import type { HttpResponse } from '@pushwire/uws';
import { publicAuthMessage, type Refusal } from '../admission';
import { respondError, type ResponseState } from '../uws-http';

/** Browsers call the SSE endpoints from any origin (a device token, not a cookie, authorizes them). */
export const CORS = { 'access-control-allow-origin': '*' };

/**
 * A fresh response state that notes when the client goes away, as uWebSockets.js requires of any
 * handler that answers after an await.
 */
export function watchAborted(res: HttpResponse): ResponseState {
  const state: ResponseState = { aborted: false };
  res.onAborted(() => (state.aborted = true));
  return state;
}

/** 401 with the catalogue's body and a generic message: no verifier's details for an unauthenticated client. */
export function authFailure(res: HttpResponse, state: ResponseState, err: unknown): void {
  respondError(res, state, 'unauthorized', publicAuthMessage(err), CORS);
}

/** 503 draining / overloaded with the Retry-After the admission decided (devices add jitter on top). */
export function refuse(res: HttpResponse, state: ResponseState, refusal: Refusal, headers?: Record<string, string>): void {
  const message = refusal.code === 'draining' ? 'this edge is draining; connect to another' : 'too many new connections; retry later';
  respondError(res, state, refusal.code, message, { 'retry-after': String(refusal.retryAfterSeconds), ...headers });
}
