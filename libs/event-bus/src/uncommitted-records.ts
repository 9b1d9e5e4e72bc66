import type { ConsumedRecord } from './event-bus';

/** What a subscription skipped: records fetched again that it had handled before their commit was lost. */
export interface SkippedRefetch {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** Offset of the first record skipped. */
  readonly firstOffset: string;
  readonly records: number;
}

/** Told of every skip (an operator wants to know the broker lost commits). Must not throw. */
export type SkippedRefetchListener = (skipped: SkippedRefetch) => void;

/** Default of `UncommittedRecords`' bound. */
export const DEFAULT_MAX_UNCOMMITTED_RECORDS = 100_000;

/**
 * Records a subscription's handler has finished but whose offset commit failed (the broker died, the
 * group rebalanced): Kafka still has the group's previous offset, so the consumer fetches them again
 * once it is back. Handing them to the handler again would repeat its effects — for the processor,
 * a second delivery and a second final outcome of the same message — so the subscription skips the
 * ones it finds here, then commits past them. A commit that goes through forgets what it covers.
 *
 * A record is recognised by its offset and what it holds (timestamp, key, value length), never by
 * its offset alone: a topic deleted and created again under a running consumer starts its offsets
 * at 0, and its new records must not be taken for old ones. Costs nothing while commits succeed;
 * bounded (the oldest are forgotten first: at worst a record is handled twice, as without this).
 *
 * This is one member's memory. A record whose handler finished in a process that was then killed
 * before its commit is handled again by the group's next member (at-least-once across processes).
 */
export class UncommittedRecords {
  /** Per partition, offset → fingerprint, in offset order (Map keeps insertion order). */
  private readonly byPartition = new Map<string, Map<string, string>>();
  private size = 0;

  constructor(private readonly max = DEFAULT_MAX_UNCOMMITTED_RECORDS) {}

  /** Remembers `records` (one partition's, in offset order): handled, their commit failed. */
  remember(partition: string, records: readonly ConsumedRecord[]): void {
    let held = this.byPartition.get(partition);
    if (!held) this.byPartition.set(partition, (held = new Map()));
    for (const r of records) {
      if (!held.has(r.offset)) this.size++;
      held.set(r.offset, fingerprint(r));
    }
    while (this.size > this.max) this.dropOldest();
  }

  /** `records` without the ones already handled (the same batch fetched again after a lost commit). */
  unhandled(partition: string, records: readonly ConsumedRecord[]): readonly ConsumedRecord[] {
    const held = this.byPartition.get(partition);
    if (!held) return records; // the common case: every commit went through
    return records.filter((r) => held.get(r.offset) !== fingerprint(r));
  }

  /** A commit of `partition` up to and including `offset` went through: what it covers will not come again. */
  committed(partition: string, offset: string): void {
    const held = this.byPartition.get(partition);
    if (!held) return;
    const through = BigInt(offset);
    for (const o of held.keys()) {
      if (BigInt(o) > through) break;
      held.delete(o);
      this.size--;
    }
    if (held.size === 0) this.byPartition.delete(partition);
  }

  /** How many records are remembered (tests, and a bound check). */
  get count(): number {
    return this.size;
  }

  private dropOldest(): void {
    // The partition holding the most gives up its oldest: no partition's memory is emptied by another's.
    let largest: [string, Map<string, string>] | undefined;
    for (const entry of this.byPartition) if (!largest || entry[1].size > largest[1].size) largest = entry;
    if (!largest) return;
    const [partition, held] = largest;
    const oldest = held.keys().next().value as string;
    held.delete(oldest);
    this.size--;
    if (held.size === 0) this.byPartition.delete(partition);
  }
}

/** What a record holds, enough to tell it from another record at the same offset of a re-created topic. */
function fingerprint(r: ConsumedRecord): string {
  return `${r.timestamp}:${r.value.length}:${r.key ?? ''}`;
}
