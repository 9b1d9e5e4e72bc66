import { Topics, type DeviceConnectionEvent } from '@pushwire/protocol';
import type { EventBus } from '@pushwire/event-bus';
import type { Logger } from '@pushwire/service-kit';
import { FlushLoop } from '../flush-loop';

/** Where the edge reports connects and disconnects (docs/architecture.md, Flows: "Device list"). */
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
  private readonly loop = new FlushLoop(
    () => this.publishBatch(),
    () => this.buffer.length,
  );
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
    this.loop.schedule(this.flushDelayMs);
  }

  flush(): Promise<void> {
    return this.loop.flush();
  }

  async close(): Promise<void> {
    await this.loop.close();
    if (this.buffer.length) this.logger.warn({ lost: this.buffer.length }, 'connection events not published at shutdown');
  }

  private async publishBatch(): Promise<boolean> {
    const batch = this.buffer.splice(0, this.maxBatch);
    try {
      await this.bus.publish(
        Topics.deviceConnections,
        batch.map((e) => ({ key: e.accountId, value: JSON.stringify(e) })),
      );
      return true;
    } catch (err) {
      this.buffer.unshift(...batch);
      this.opts.onError?.(err);
      this.logger.warn({ err, backlog: this.buffer.length }, 'publishing connection events failed; will retry');
      return false;
    }
  }
}
