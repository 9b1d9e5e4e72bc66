import {
  deviceRefKey,
  DeliveryStatuses,
  ErrorCodes,
  Validators,
  type Delivery,
  type DeliveryResult,
  type DeliveryStatus,
  type ErrorBody,
  type ErrorCode,
} from '@pushwire/protocol';
import { bearer } from '@pushwire/service-http';
import { StubService, type StubAnswer, type StubRequest } from '@pushwire/service-http/testing';

/** What a FakeEdge answers for one delivery instead of its default behaviour. */
export interface FakeAnswer {
  status: DeliveryStatus;
  retryAfterMs?: number;
}

/** One request the fake edge received. */
export interface RecordedRequest {
  /** The body as sent: a Delivery or a DeliveryBatch. */
  body: unknown;
  /** The deliveries in it, single form or batch form alike. */
  deliveries: Delivery[];
  /** The Authorization header it came with: recorded before it is checked, so a spec can see what a sender sent. */
  authorization?: string;
}

/**
 * A real HTTP server on port 0 implementing the edge delivery contract (`POST /v1/deliver`), for
 * testing senders without a real edge: it holds one connection id per device, fences on it
 * (`gone`), answers acks at once, and records every well-formed request, refused ones too.
 */
export class FakeEdge {
  readonly requests: RecordedRequest[] = [];
  /** deviceRefKey (account and device id) → the connection id this edge holds for it. */
  readonly connections = new Map<string, string>();
  /** Overrides the answer for a delivery (return undefined for the default behaviour). */
  answer: (delivery: Delivery) => FakeAnswer | undefined = () => undefined;
  /** When set, every request is refused with this HTTP status and error code (e.g. 503 internal). */
  fail: { status: number; code: ErrorCode; retryAfterSeconds?: number } | undefined;

  private constructor(
    readonly edgeId: string,
    private readonly serviceToken: string,
    private readonly stub: StubService,
  ) {
    stub.answer = (req) => this.handle(req);
  }

  static async start(opts: { edgeId: string; serviceToken: string }): Promise<FakeEdge> {
    return new FakeEdge(opts.edgeId, opts.serviceToken, await StubService.start());
  }

  /** Base URL of this edge's internal port, as it would appear in a registration's `edgeUrl`. */
  get url(): string {
    return this.stub.url;
  }

  /** Deliveries received so far, across all requests. */
  get deliveries(): Delivery[] {
    return this.requests.flatMap((r) => r.deliveries);
  }

  close(): Promise<void> {
    return this.stub.close();
  }

  private handle(req: StubRequest): StubAnswer {
    if (req.method !== 'POST' || req.url !== '/v1/deliver') return refusal(404, 'not_found', 'no such route');
    const body = req.body;
    const valid = Validators.deliverRequest.is(body);
    const deliveries = valid ? ('deliveries' in body ? body.deliveries : [body]) : [];
    if (valid) this.requests.push({ body, deliveries, authorization: req.authorization });
    // A fake compares plainly; the real edge compares in constant time.
    if (req.authorization !== bearer(this.serviceToken)) return refusal(401, 'unauthorized', 'bad service token');
    if (!valid) return refusal(400, 'invalid_request', 'not a deliver request');
    if (this.fail) {
      const { status, code, retryAfterSeconds } = this.fail;
      return refusal(status, code, 'fake failure', retryAfterSeconds);
    }
    const results = deliveries.map((d) => this.deliver(d));
    if ('deliveries' in body) return { status: 200, body: { results } };
    const [result] = results;
    const headers: Record<string, string> =
      result.retryAfterMs !== undefined ? { 'retry-after': String(Math.ceil(result.retryAfterMs / 1000)) } : {};
    return { status: DeliveryStatuses[result.status].http, body: result, headers };
  }

  private deliver(d: Delivery): DeliveryResult {
    const base = { accountId: d.accountId, deviceId: d.deviceId, messageId: d.message.id, edgeId: this.edgeId };
    const override = this.answer(d);
    if (override) return { ...base, ...override };
    const held = this.connections.get(deviceRefKey(d));
    if (held === undefined) return { ...base, status: d.connectionId ? 'gone' : 'not_connected' };
    if (d.connectionId !== undefined && d.connectionId !== held) return { ...base, status: 'gone' };
    return { ...base, status: d.message.ackRequired ? 'acknowledged' : 'delivered' };
  }
}

/** A refusal with the error body every service answers with (service-kit's errorBody, a server library, builds the real ones). */
function refusal(status: number, code: ErrorCode, message: string, retryAfterSeconds?: number): StubAnswer {
  const body: ErrorBody = { error: { code, message, retriable: ErrorCodes[code].retriable } };
  return { status, body, headers: retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {} };
}
