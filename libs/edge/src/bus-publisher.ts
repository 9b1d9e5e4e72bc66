import type { EventBus } from '@pushwire/event-bus';
import type { Logger } from '@pushwire/service-kit';
import { FlushLoop } from './flush-loop';

/** Options of a BusPublisher. */
export interface BusPublisherOptions {
  /** Coalescing window: records within it go out in one publish. Default 5 ms. */
  flushDelayMs?: number;
  /** Records kept while the bus is unreachable; past it the oldest are dropped (and counted). Default 100,000. */
  maxBuffered?: number;
  maxBatch?: number;
  onDropped?: (count: number) => void;
  onError?: (err: unknown) => void;
}

/** What a BusPublisher writes where: the topic, each record's key, and a name for its log lines. */
export interface BusTopic<T> {
  topic: string;
  keyOf(record: T): string;
  /** Plural noun for log lines ("connection events"). */
  what: string;
}

/**
 * Publishes the edge's records to one topic in the order they were handed over: batched per flush
 * window (a connect storm is a few publishes, not one per record), and held and retried with backoff
 * while the bus is unreachable — a failed batch goes back to the front, so records of one key are
 * never reordered. Bounded: past `maxBuffered` the oldest are dropped and counted.
 */
export class BusPublisher<T> {
  private buffer: T[] = [];
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
    private readonly target: BusTopic<T>,
    private readonly opts: BusPublisherOptions = {},
  ) {
    this.flushDelayMs = opts.flushDelayMs ?? 5;
    this.maxBuffered = opts.maxBuffered ?? 100_000;
    this.maxBatch = opts.maxBatch ?? 1000;
  }

  get backlog(): number {
    return this.buffer.length;
  }

  publish(record: T): void {
    this.buffer.push(record);
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
    if (this.buffer.length) this.logger.warn({ lost: this.buffer.length }, `${this.target.what} not published at shutdown`);
  }

  private async publishBatch(): Promise<boolean> {
    const batch = this.buffer.splice(0, this.maxBatch);
    try {
      await this.bus.publish(
        this.target.topic,
        batch.map((r) => ({ key: this.target.keyOf(r), value: JSON.stringify(r) })),
      );
      return true;
    } catch (err) {
      this.buffer.unshift(...batch);
      this.opts.onError?.(err);
      this.logger.warn({ err, backlog: this.buffer.length }, `publishing ${this.target.what} failed; will retry`);
      return false;
    }
  }
}
