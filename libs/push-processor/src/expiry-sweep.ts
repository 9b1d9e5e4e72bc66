import { inboxOutcome, MAX_INBOX_BATCH, type PushOutcomeRecord } from '@pushwire/protocol';
import type { InboxClient } from '@pushwire/registry-client';
import { LogThrottle, messageIdsForLog, type JournalRecorder, type Logger } from '@pushwire/service-kit';
import type { ProcessorMetrics } from './processor-metrics';

export interface ExpirySweepOptions {
  readonly inbox: InboxClient;
  /** Writes outcome records (rejects when the bus does not take them). */
  readonly publish: (outcomes: PushOutcomeRecord[]) => Promise<void>;
  /** Pause between sweeps. */
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly metrics?: ProcessorMetrics;
  /** Records each taken entry `expired` (pushctl trace). */
  readonly journal: JournalRecorder;
  readonly now?: () => number;
}

/** The detail of an `expired` outcome written by the sweep. */
export const EXPIRED_IN_INBOX = "its TTL ended in the device's inbox before the device connected";

/**
 * Takes inbox entries whose TTL has ended and writes their final outcome, `expired`. A take
 * happens once however many processors sweep (the inbox's conditional delete), so the taker is the
 * one that reports. Outcomes the bus did not take are kept and written again on the next sweep (and
 * at stop): the entries are already out of the inbox, nobody else will report them.
 */
export class ExpirySweep {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  /** Taken entries' outcomes the bus has not taken yet. */
  private unwritten: PushOutcomeRecord[] = [];
  private readonly now: () => number;
  /** A sweep fails every interval while the inbox is down: a few lines a minute say so. */
  private readonly failures = new LogThrottle(3);

  constructor(private readonly opts: ExpirySweepOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Stops the loop, waits for a sweep under way, and tries once more to write what it took. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (this.unwritten.length) await this.flush().catch(() => undefined);
    if (this.unwritten.length)
      this.opts.logger.error(
        { count: this.unwritten.length, messageIds: messageIdsForLog(this.unwritten.map((o) => o.messageId)) },
        'expired outcomes of taken inbox entries could not be written before stop',
      );
  }

  /** One sweep: takes expired entries until a take comes back short, writing their outcomes. Never rejects. */
  sweepOnce(): Promise<void> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.sweepOnce().then(() => this.schedule()), this.opts.intervalMs);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    try {
      await this.flush();
      for (;;) {
        const entries = await this.opts.inbox.takeExpired(MAX_INBOX_BATCH);
        if (entries.length === 0) return;
        this.opts.metrics?.swept.inc({ result: 'taken' }, entries.length);
        const at = this.now();
        for (const e of entries) this.opts.journal.record('expired', e.message.id, e.target, { reason: 'ttl_in_inbox' });
        this.unwritten.push(...entries.map((e) => inboxOutcome(e, 'expired', at, { detail: EXPIRED_IN_INBOX })));
        await this.flush();
        if (entries.length < MAX_INBOX_BATCH || this.stopped) return;
      }
    } catch (err) {
      this.opts.metrics?.swept.inc({ result: 'failed' });
      const line = this.failures.take();
      if (line)
        this.opts.logger.warn(
          {
            err,
            unwritten: this.unwritten.length,
            messageIds: messageIdsForLog(this.unwritten.map((o) => o.messageId)),
            suppressed: line.suppressed,
          },
          'inbox expiry sweep failed; trying again at the next one',
        );
    }
  }

  private async flush(): Promise<void> {
    if (this.unwritten.length === 0) return;
    const batch = this.unwritten;
    await this.opts.publish(batch);
    this.unwritten = this.unwritten.slice(batch.length);
  }
}
