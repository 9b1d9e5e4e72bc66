import { randomUUID } from 'node:crypto';
import type { ConsumedRecord, EventBus } from '@pushwire/event-bus';
import { DEFAULT_DLQ_SELECTION, Topics, Validators, type DlqEntry, type DlqFilter } from '@pushwire/protocol';
import { decodeValue } from './decode-value';

/** Default of `ReadOptions.timeoutMs`. */
export const DEFAULT_DLQ_SCAN_TIMEOUT_MS = 10_000;

export interface ReadOptions {
  /** Longest a scan of the dead-letter topic takes; past it the answer is partial (`complete: false`). */
  readonly timeoutMs?: number;
  /** Pause between checks of whether the scan reached the end of the topic. */
  readonly pollMs?: number;
}

/** What a scan of the dead-letter topic found. */
export interface DeadLetterScan {
  /** The selected records, oldest first per partition, at most the filter's limit. */
  readonly entries: DlqEntry[];
  readonly scanned: number;
  /** Records that are no dead-letter record (written by something else): skipped. */
  readonly unreadable: number;
  /** False when the scan ran out of time before the end of the topic. */
  readonly complete: boolean;
  /** True when the limit cut the selection short. */
  readonly more: boolean;
}

/**
 * Reads `pushwire.push-dlq` from its oldest record to its end, as it is now, and selects the dead
 * letters the filter names. A consumer group of its own for each scan (it starts at the oldest
 * record and is done when its lag is 0), so it never disturbs another reader; works on any
 * EventBus (Kafka, or the in-memory bus of `npm start`).
 */
export async function readDeadLetters(bus: EventBus, filter: DlqFilter, opts: ReadOptions = {}): Promise<DeadLetterScan> {
  const limit = filter.limit ?? DEFAULT_DLQ_SELECTION;
  const ids = filter.messageId ? new Set(filter.messageId) : undefined;
  const entries: DlqEntry[] = [];
  let scanned = 0;
  let unreadable = 0;
  let more = false;
  const take = (r: ConsumedRecord) => {
    scanned++;
    const record = decodeValue(Validators.deadLetterRecord, r.value);
    if (!record) return void unreadable++;
    if (filter.reason && record.reason !== filter.reason) return;
    if (ids && !(record.messageId && ids.has(record.messageId))) return;
    if (entries.length >= limit) return void (more = true);
    entries.push({ partition: r.partition, offset: r.offset, record });
  };
  const subscription = await bus.subscribe({
    groupId: `pushwire-dlq-scan-${randomUUID()}`,
    topics: [Topics.pushDlq],
    fromBeginning: true,
    handler: async (records) => records.forEach(take),
  });
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_DLQ_SCAN_TIMEOUT_MS);
  let complete = false;
  try {
    for (;;) {
      const lag = await subscription.lag();
      if (lag.every((l) => l.lag === 0)) {
        complete = true;
        break;
      }
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 50));
    }
  } finally {
    await subscription.stop();
  }
  entries.sort((a, b) => a.record.failedAt - b.record.failedAt || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  return { entries, scanned, unreadable, complete, more };
}
