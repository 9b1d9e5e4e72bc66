import { Validators, type AccountNotice, type Delivery } from '@pushwire/protocol';
import { expectStatus, joinUrl, JsonHttpClient, type JsonResponse, type ServiceCallOptions } from '@pushwire/service-http';
import { deliveryAnswer, deliveryFailure, type EdgeAnswer } from './delivery-answer';

/** Options of EdgeClient; each field states its default. */
export interface EdgeClientOptions {
  /** Shared service token of the edges' internal ports. Required. */
  serviceToken: string;
  /** Deadline of each request. Default 5000 ms; a sender waiting for device acks needs more than the edge's ack timeout (10 s). */
  timeoutMs?: number;
  /**
   * Keep-alive connections per edge. Default 256: a delivery that waits for a device ack holds its
   * connection up to the edge's ack timeout, so a busy sender needs far more than one per request.
   */
  connectionsPerEdge?: number;
}

/**
 * The edge's internal API (port 8081): `POST /v1/deliver` for pushes and relayed device-to-device
 * messages, `POST /v1/notify` for the device list's account notices. Unlike the other service
 * clients it takes the edge per call: senders reach whichever edge holds the device.
 */
export class EdgeClient {
  private readonly http: JsonHttpClient;

  constructor(opts: EdgeClientOptions) {
    if (!opts.serviceToken) throw new TypeError('EdgeClient: serviceToken is required');
    this.http = new JsonHttpClient({
      serviceToken: opts.serviceToken,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      connectionsPerOrigin: opts.connectionsPerEdge ?? 256,
    });
  }

  /**
   * Delivers to devices on the edge at `edgeUrl`: the single form for one delivery, the batch form
   * for more. Never rejects: every HTTP status is mapped to delivery outcomes (`gone`,
   * `backpressure` with its Retry-After …) or to a failure with a `retriable` flag and the
   * ServiceCallError behind it.
   */
  async deliver(edgeUrl: string, deliveries: Delivery[], opts?: ServiceCallOptions): Promise<EdgeAnswer> {
    const url = joinUrl(edgeUrl, 'v1', 'deliver');
    let res: JsonResponse;
    try {
      res = await this.http.call('POST', url, { ...opts, body: deliveries.length === 1 ? deliveries[0] : { deliveries } });
    } catch (e) {
      return deliveryFailure(url, e);
    }
    return deliveryAnswer(url, res, deliveries);
  }

  /**
   * Hands an account notice to the edge at `edgeUrl`, which writes it to the account's subscribed
   * connections there; resolves with how many it wrote to. Rejects with a ServiceCallError when the
   * edge refuses (its error code) or cannot be reached.
   */
  async notify(edgeUrl: string, notice: AccountNotice, opts?: ServiceCallOptions): Promise<number> {
    const url = joinUrl(edgeUrl, 'v1', 'notify');
    const res = await this.http.call('POST', url, { ...opts, body: notice, validator: Validators.accountNoticeResult });
    return expectStatus(res, 200, `edge POST ${url}`).notified;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
