import type { AccountNotice, ClientFrame, DeliveryStatus, ErrorCode, ServerFrame } from '@pushwire/protocol';
import type { DeviceListClient } from '@pushwire/device-list-client';
import { LogThrottle, type Logger } from '@pushwire/service-kit';
import { Phase, type Connection } from '../connection';
import { refill } from '../token-bucket';
import type { D2dAnswer, D2dRouter } from './d2d-router';

export type DeviceRequestFrame = Extract<ClientFrame, { type: 'd2d.send' | 'devices.list' | 'devices.subscribe' }>;

export interface DeviceRequestsDeps {
  /** Absent: this edge has no device-list service, and list/subscribe answer an error saying so. */
  deviceList?: DeviceListClient;
  d2d: D2dRouter;
  /** Sustained `d2d.send` per second per connection; bursts up to twice that. */
  d2dPerSecond: number;
  send(c: Connection, frame: ServerFrame): void;
  sendError(c: Connection, code: ErrorCode, message: string, reqId?: string): void;
  /** The account's connections on this edge. */
  connectionsOf(accountId: string): readonly Connection[];
  onD2d(status: DeliveryStatus, seconds: number): void;
  logger: Logger;
  now?: () => number;
}

/**
 * The device requests that reach beyond the edge (docs/protocol.md): `devices.list`,
 * `devices.subscribe` (answered from the device-list service; the subscription itself lives on the
 * connection and dies with it) and `d2d.send` (rate-limited per connection, then routed). Also writes
 * the device list's `device.online` / `device.offline` notices to the subscribed connections.
 */
export class DeviceRequests {
  private readonly now: () => number;
  /** A routing failure a device can provoke again and again is logged a few times a minute, not per frame. */
  private readonly failures = new LogThrottle();
  /** What each d2d.send's D2dReply answers through. */
  private readonly replies: ReplyTarget = {
    answer: (c, reqId, status, seconds) => {
      this.deps.onD2d(status, seconds);
      if (c.phase !== Phase.Closed) this.deps.send(c, { type: 'd2d.result', reqId, status });
    },
    routingFailed: (err) => this.routingFailed(err),
  };

  constructor(private readonly deps: DeviceRequestsDeps) {
    this.now = deps.now ?? Date.now;
  }

  handle(c: Connection, frame: DeviceRequestFrame): void {
    switch (frame.type) {
      case 'd2d.send':
        this.d2d(c, frame);
        return;
      case 'devices.list':
      case 'devices.subscribe':
        this.list(c, frame);
        return;
    }
  }

  /** Writes a notice to the account's subscribed connections here, except the device it is about. */
  notify(notice: AccountNotice): number {
    const about = notice.frame.type === 'device.online' ? notice.frame.device.deviceId : notice.frame.deviceId;
    let notified = 0;
    for (const c of this.deps.connectionsOf(notice.accountId)) {
      if (!c.subscribed || c.deviceId === about || c.phase === Phase.Closed) continue;
      this.deps.send(c, notice.frame);
      notified++;
    }
    return notified;
  }

  private d2d(c: Connection, frame: Extract<DeviceRequestFrame, { type: 'd2d.send' }>): void {
    const reply = new D2dReply(this.replies, c, frame.reqId);
    if (!this.takeD2dToken(c)) {
      reply.settle('rate_limited');
      return;
    }
    try {
      this.deps.d2d.route(c, frame, reply);
    } catch (err) {
      reply.fail(err);
    }
  }

  private routingFailed(err: unknown): DeliveryStatus {
    const line = this.failures.take();
    if (line) this.deps.logger.error({ err, suppressed: line.suppressed }, 'd2d routing failed');
    return 'unavailable';
  }

  private list(c: Connection, frame: Extract<DeviceRequestFrame, { type: 'devices.list' | 'devices.subscribe' }>): void {
    const deviceList = this.deps.deviceList;
    if (!deviceList) {
      this.deps.sendError(
        c,
        'invalid_frame',
        `${frame.type} needs the device-list service, which this edge is not connected to (PUSHWIRE_DEVICE_LIST_URL)`,
        frame.reqId,
      );
      return;
    }
    // Subscribe first, so a change that lands while the list is fetched is not missed (the device
    // may see it twice, in the list and as a notice; both are idempotent upserts).
    if (frame.type === 'devices.subscribe') c.subscribed = true;
    deviceList.list(c.accountId).then(
      (devices) => {
        if (c.phase === Phase.Closed) return;
        const type = frame.type === 'devices.list' ? 'devices.list.result' : 'devices.subscribe.result';
        this.deps.send(c, { type, reqId: frame.reqId, devices });
      },
      (err: unknown) => {
        this.deps.logger.warn({ err }, 'device list unavailable');
        if (c.phase !== Phase.Closed) this.deps.sendError(c, 'store_unavailable', 'the device list is unavailable; try again', frame.reqId);
      },
    );
  }

  private takeD2dToken(c: Connection): boolean {
    const now = this.now();
    c.d2dTokens = refill(c.d2dTokens, c.d2dTokensAt, now, this.deps.d2dPerSecond, this.deps.d2dPerSecond * 2);
    c.d2dTokensAt = now;
    if (c.d2dTokens < 1) return false;
    c.d2dTokens -= 1;
    return true;
  }
}

/** How a D2dReply answers its device: the d2d.result frame and the metrics, or a routing failure's status. */
interface ReplyTarget {
  answer(c: Connection, reqId: string, status: DeliveryStatus, seconds: number): void;
  routingFailed(err: unknown): DeliveryStatus;
}

/**
 * One `d2d.send` being answered: the router tells it the status once (D2dAnswer). One small object
 * per message rather than closures and promises: this is the d2d hot path.
 */
class D2dReply implements D2dAnswer {
  private readonly startedAt = performance.now();
  private done = false;

  constructor(
    private readonly target: ReplyTarget,
    private readonly c: Connection,
    private readonly reqId: string,
  ) {}

  settle(status: DeliveryStatus): void {
    if (this.done) return;
    this.done = true;
    this.target.answer(this.c, this.reqId, status, (performance.now() - this.startedAt) / 1000);
  }

  fail(err: unknown): void {
    if (!this.done) this.settle(this.target.routingFailed(err));
  }
}
