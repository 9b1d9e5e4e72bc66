import { equalJitterDelay } from '@pushwire/backoff';

export interface FlushLoopOptions {
  /** Backoff after a failed send: doubles from this up to maxRetryDelayMs, with jitter. Defaults 200 / 5000 ms. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

/**
 * The timing of a queue the edge drains to another service in batches (registry changes, connection
 * events): one timer at a time, one send at a time, the next batch at once after a success, a
 * jittered exponential backoff after a failure, and at close one last try for every batch left.
 * The owner keeps the queue; `send` takes one batch from it and resolves whether it was accepted
 * (a failed batch is the owner's to put back).
 */
export class FlushLoop {
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly send: () => Promise<boolean>,
    private readonly pending: () => number,
    private readonly opts: FlushLoopOptions = {},
  ) {}

  /** Flushes after `delayMs`, unless a flush is already timed or the loop is closed. */
  schedule(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }

  /**
   * The other side is known to answer again (e.g. the registry renewed the lease): forget the
   * backoff and send what is queued at once instead of when the backoff timer would have fired.
   */
  retryNow(): void {
    if (this.closed || this.failures === 0) return;
    this.failures = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule(0);
  }

  /** Sends one batch now (after the send under way); resolves when it was accepted or the attempt failed. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending() === 0) return;
    this.flushing = this.sendOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Stops the timer, then sends batch after batch until the queue is empty or a send fails. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.failures = 0;
    do {
      await this.flush();
    } while (this.pending() > 0 && this.failures === 0);
  }

  private async sendOnce(): Promise<void> {
    if (await this.send()) {
      this.failures = 0;
      if (this.pending()) this.schedule(0);
      return;
    }
    this.failures++;
    this.schedule(equalJitterDelay(this.failures - 1, this.opts.retryDelayMs ?? 200, this.opts.maxRetryDelayMs ?? 5000));
  }
}
