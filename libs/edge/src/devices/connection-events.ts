import { Topics, type DeviceConnectionEvent } from '@pushwire/protocol';
import type { EventBus } from '@pushwire/event-bus';
import type { Logger } from '@pushwire/service-kit';

/** Where the edge reports connects and disconnects (DESIGN.md §5 "Device list"). */
export interface ConnectionEventSink {
  publish(event: DeviceConnectionEvent): void;
  /** Sends what is buffered (one last attempt) and stops. */
  close(): Promise<void>;
}

export interface ConnectionEventPublisherOptions {
  /** Coalescing window: events within it go out in one publish. Default 5 ms. */
  flushDelayMs?: number;
  /** Events kept while the bus is unreachable; past it the oldest are dropped (and counted). Default 100,000. */
  maxBuffered?: number;
  maxBatch?: number;
  onDropped?: (count: number) => void;
  onError?: (err: unknown) => void;
}

/**
 * Publishes connection events to `pushwire.device-connections`, keyed by account id, in the order
 * they happened: batched per flush window (a connect storm is a few publishes, not one per device),
 * and held and retried with backoff while the bus is unreachable — a failed batch goes back to the
 * front, so one account's events are never reordered. The device list heals whatever a long outage
 * made us drop: lease sweeps mark crashed edges' devices offline, reconnects announce them again.
 */
export class ConnectionEventPublisher implements ConnectionEventSink {
  private buffer: DeviceConnectionEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  private readonly flushDelayMs: number;
  private readonly maxBuffered: number;
  private readonly maxBatch: number;

  constructor(
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly opts: ConnectionEventPublisherOptions = {},
  ) {
    this.flushDelayMs = opts.flushDelayMs ?? 5;
    this.maxBuffered = opts.maxBuffered ?? 100_000;
    this.maxBatch = opts.maxBatch ?? 1000;
  }

  get backlog(): number {
    return this.buffer.length;
  }

  publish(event: DeviceConnectionEvent): void {
    this.buffer.push(event);
    if (this.buffer.length > this.maxBuffered) {
      const dropped = this.buffer.length - this.maxBuffered;
      this.buffer.splice(0, dropped);
      this.opts.onDropped?.(dropped);
    }
    this.schedule(this.flushDelayMs);
  }

  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    this.flushing = this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // One last attempt per batch (a flush sends at most maxBatch): on until all is out or one fails.
    do {
      await this.flush();
    } while (this.buffer.length > 0 && this.failures === 0);
    if (this.buffer.length) this.logger.warn({ lost: this.buffer.length }, 'connection events not published at shutdown');
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }

  private async flushOnce(): Promise<void> {
    const batch = this.buffer.splice(0, this.maxBatch);
    try {
      await this.bus.publish(Topics.deviceConnections, batch.map((e) => ({ key: e.accountId, value: JSON.stringify(e) })));
      this.failures = 0;
      if (this.buffer.length) this.schedule(0);
    } catch (err) {
      this.buffer.unshift(...batch);
      this.failures++;
      this.opts.onError?.(err);
      this.logger.warn({ err: (err as Error).message, backlog: this.buffer.length }, 'publishing connection events failed; will retry');
      const delay = Math.min(5000, 200 * 2 ** (this.failures - 1));
      this.schedule(delay * (0.5 + Math.random() / 2));
    }
  }
}
