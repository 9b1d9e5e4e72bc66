import { ErrorCodes, Validators, type Delivery, type DeliveryResult, type DeliveryStatus, type ErrorCode } from '@pushwire/protocol';
import { joinUrl, JsonHttpClient, ServiceCallError, type JsonResponse } from '@pushwire/service-http';

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
 * The edge delivery API (`POST {edgeUrl}/v1/deliver`) over keep-alive HTTP pools: the single form
 * for one delivery, the batch form for more. Every HTTP status is mapped to outcomes here, so the
 * push client only sees delivery statuses or a failure with a `retriable` flag.
 */
export class EdgeTransport {
  private readonly http: JsonHttpClient;

  constructor(opts: { serviceToken: string; timeoutMs: number }) {
    // A send that waits for a device ack holds its connection up to the edge's ack timeout, so the
    // pool per edge is much larger than JsonHttpClient's default of 16.
    this.http = new JsonHttpClient({ serviceToken: opts.serviceToken, timeoutMs: opts.timeoutMs, connectionsPerOrigin: 256 });
  }

  async deliver(edgeUrl: string, deliveries: Delivery[]): Promise<EdgeAnswer> {
    const url = joinUrl(edgeUrl, 'v1', 'deliver');
    const single = deliveries.length === 1;
    let res: JsonResponse;
    try {
      res = await this.http.call('POST', url, { body: single ? deliveries[0] : { deliveries } });
    } catch (e) {
      const error =
        e instanceof ServiceCallError
          ? e
          : new ServiceCallError('unreachable', `POST ${url} failed: ${String(e)}`, { retriable: true, cause: e });
      return { kind: 'failure', retriable: error.retriable, error };
    }
    const outcomes = single ? singleOutcome(res, deliveries[0]) : batchOutcomes(res, deliveries);
    return outcomes ? { kind: 'results', outcomes } : refusal(url, res, deliveries);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

/** A single delivery is answered with its status's HTTP code and a DeliveryResult body. */
function singleOutcome(res: JsonResponse, delivery: Delivery): EdgeOutcome[] | undefined {
  const body = res.body;
  if (!Validators.deliveryResult.is(body) || !matches(body, delivery)) return undefined;
  return [withRetryAfter(body, res.retryAfterMs)];
}

/** A batch is answered 200 with one result per delivery, in order. */
function batchOutcomes(res: JsonResponse, deliveries: Delivery[]): EdgeOutcome[] | undefined {
  const body = res.body;
  if (res.status !== 200 || !Validators.deliveryBatchResult.is(body)) return undefined;
  if (body.results.length !== deliveries.length || !body.results.every((r, i) => matches(r, deliveries[i]))) return undefined;
  return body.results.map((r) => withRetryAfter(r, res.retryAfterMs));
}

const matches = (r: DeliveryResult, d: Delivery) => r.deviceId === d.deviceId && r.messageId === d.message.id;

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
      deviceId: d.deviceId,
      messageId: d.message.id,
      status,
      error,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    })),
  };
}
