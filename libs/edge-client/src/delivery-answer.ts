import { ErrorCodes, Validators, type Delivery, type DeliveryResult, type DeliveryStatus, type ErrorCode } from '@pushwire/protocol';
import { ServiceCallError, type JsonResponse } from '@pushwire/service-http';

/** One delivery's answer, plus the reason when the edge refused the whole request. */
export type EdgeOutcome = DeliveryResult & { error?: string };

/** What one request to one edge came to. Never a thrown error: the caller decides per delivery. */
export type EdgeAnswer =
  /** One outcome per delivery, in the order sent. */
  | { kind: 'results'; outcomes: EdgeOutcome[] }
  /** No outcome: the edge could not be reached or answered outside the contract. */
  | { kind: 'failure'; retriable: boolean; error: ServiceCallError };

// Error codes an edge may put on a whole request, and what they mean for each delivery in it.
const MESSAGE_FAULTS: ReadonlySet<ErrorCode> = new Set(['invalid_json', 'invalid_frame', 'invalid_request', 'payload_too_large']);

/**
 * Maps every answer of `POST /v1/deliver` to outcomes: a single delivery is answered with its
 * status's HTTP code and a DeliveryResult, a batch with 200 and one result per delivery in order;
 * an error body for the whole request becomes the same outcome for each delivery (`rejected`,
 * `rate_limited`) or a failure, and so does an answer outside the contract.
 */
export function deliveryAnswer(url: string, res: JsonResponse, deliveries: Delivery[]): EdgeAnswer {
  const outcomes = deliveries.length === 1 ? singleOutcome(res, deliveries[0]) : batchOutcomes(res, deliveries);
  return outcomes ? { kind: 'results', outcomes } : refusal(url, res, deliveries);
}

/** The failure answer for a call that brought no answer at all (unreachable, timed out, aborted …). */
export function deliveryFailure(url: string, e: unknown): EdgeAnswer {
  const error =
    e instanceof ServiceCallError
      ? e
      : new ServiceCallError('unreachable', `POST ${url} failed: ${String(e)}`, { retriable: true, cause: e });
  return { kind: 'failure', retriable: error.retriable, error };
}

function singleOutcome(res: JsonResponse, delivery: Delivery): EdgeOutcome[] | undefined {
  const body = res.body;
  if (!Validators.deliveryResult.is(body) || !matches(body, delivery)) return undefined;
  return [withRetryAfter(body, res.retryAfterMs)];
}

function batchOutcomes(res: JsonResponse, deliveries: Delivery[]): EdgeOutcome[] | undefined {
  const body = res.body;
  if (res.status !== 200 || !Validators.deliveryBatchResult.is(body)) return undefined;
  if (body.results.length !== deliveries.length || !body.results.every((r, i) => matches(r, deliveries[i]))) return undefined;
  return body.results.map((r) => withRetryAfter(r, res.retryAfterMs));
}

/** The result answers this delivery: same device (account and id) and message. */
const matches = (r: DeliveryResult, d: Delivery) =>
  r.accountId === d.accountId && r.deviceId === d.deviceId && r.messageId === d.message.id;

function withRetryAfter(r: DeliveryResult, headerMs: number | undefined): EdgeOutcome {
  if (r.retryAfterMs !== undefined || headerMs === undefined) return r;
  return r.status === 'backpressure' || r.status === 'rate_limited' ? { ...r, retryAfterMs: headerMs } : r;
}

/** The edge answered with no delivery results: an error body for the whole request, or garbage. */
function refusal(url: string, res: JsonResponse, deliveries: Delivery[]): EdgeAnswer {
  const body = res.body;
  const error = Validators.errorBody.is(body) ? body.error : undefined;
  const code = error?.code;
  const detail = error ? `${error.code}: ${error.message}` : JSON.stringify(body)?.slice(0, 200);
  const text = `POST ${url} answered ${res.status} (${detail})`;
  if (code && MESSAGE_FAULTS.has(code)) return allAs(deliveries, 'rejected', text);
  if (code === 'rate_limited') return allAs(deliveries, 'rate_limited', text, res.retryAfterMs);
  // 5xx (overloaded, draining, internal …) may pass once the device has moved to another edge.
  const retriable = res.status >= 500 || (code !== undefined && ErrorCodes[code].retriable);
  const what = res.status >= 200 && res.status < 300 ? 'does not match the delivery contract' : 'refused the request';
  return {
    kind: 'failure',
    retriable,
    error: new ServiceCallError(code ?? 'invalid_response', `${text}: ${what}`, { retriable, status: res.status, body }),
  };
}

function allAs(deliveries: Delivery[], status: DeliveryStatus, error: string, retryAfterMs?: number): EdgeAnswer {
  return {
    kind: 'results',
    outcomes: deliveries.map((d) => ({
      accountId: d.accountId,
      deviceId: d.deviceId,
      messageId: d.message.id,
      status,
      error,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    })),
  };
}
