import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeliveryStatuses, Validators, type Delivery, type DeliveryResult, type DeliveryStatus, type ErrorCode } from '@pushwire/protocol';
import { errorBody, serviceTokenMatches } from '@pushwire/service-kit';

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
}

/**
 * A real HTTP server on port 0 implementing the edge delivery contract (`POST /v1/deliver`), for
 * testing senders without a real edge: it holds one connection id per device, fences on it
 * (`gone`), answers acks at once, and records every request.
 */
export class FakeEdge {
  readonly requests: RecordedRequest[] = [];
  /** deviceId → the connection id this edge holds for it. */
  readonly connections = new Map<string, string>();
  /** Overrides the answer for a delivery (return undefined for the default behaviour). */
  answer: (delivery: Delivery) => FakeAnswer | undefined = () => undefined;
  /** When set, every request is refused with this HTTP status and error code (e.g. 503 internal). */
  fail: { status: number; code: ErrorCode; retryAfterSeconds?: number } | undefined;

  private readonly server: Server;
  private port = 0;

  private constructor(
    readonly edgeId: string,
    private readonly serviceToken: string,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => res.destroy(e as Error));
    });
  }

  static async start(opts: { edgeId: string; serviceToken: string }): Promise<FakeEdge> {
    const edge = new FakeEdge(opts.edgeId, opts.serviceToken);
    await new Promise<void>((resolve) => edge.server.listen(0, '127.0.0.1', resolve));
    edge.port = (edge.server.address() as AddressInfo).port;
    return edge;
  }

  /** Base URL of this edge's internal port, as it would appear in a registration's `edgeUrl`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Deliveries received so far, across all requests. */
  get deliveries(): Delivery[] {
    return this.requests.flatMap((r) => r.deliveries);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/deliver') return send(res, 404, errorBody('not_found', 'no such route'));
    if (!serviceTokenMatches(req.headers.authorization, this.serviceToken))
      return send(res, 401, errorBody('unauthorized', 'bad service token'));
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (!Validators.deliverRequest.is(body)) return send(res, 400, errorBody('invalid_request', 'not a deliver request'));
    const deliveries = 'deliveries' in body ? body.deliveries : [body];
    this.requests.push({ body, deliveries });
    if (this.fail) {
      const headers: Record<string, string> =
        this.fail.retryAfterSeconds !== undefined ? { 'retry-after': String(this.fail.retryAfterSeconds) } : {};
      return send(res, this.fail.status, errorBody(this.fail.code, 'fake failure'), headers);
    }
    const results = deliveries.map((d) => this.deliver(d));
    if ('deliveries' in body) return send(res, 200, { results });
    const [result] = results;
    const headers: Record<string, string> =
      result.retryAfterMs !== undefined ? { 'retry-after': String(Math.ceil(result.retryAfterMs / 1000)) } : {};
    return send(res, DeliveryStatuses[result.status].http, result, headers);
  }

  private deliver(d: Delivery): DeliveryResult {
    const base = { deviceId: d.deviceId, messageId: d.message.id, edgeId: this.edgeId };
    const override = this.answer(d);
    if (override) return { ...base, ...override };
    const held = this.connections.get(d.deviceId);
    if (held === undefined) return { ...base, status: d.connectionId ? 'gone' : 'not_connected' };
    if (d.connectionId !== undefined && d.connectionId !== held) return { ...base, status: 'gone' };
    return { ...base, status: d.message.ackRequired ? 'acknowledged' : 'delivered' };
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
