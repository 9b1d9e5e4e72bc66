import type { ConsumedRecord, PartitionLag } from './event-bus';
import type { MemoryTopic } from './memory-topic';
import { partitionKey } from './redelivery-backoff';

/** What a group needs of a member subscription: its topics, where it starts, and how to wake it. */
export interface GroupMember {
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  /** Something changed (records, assignment, a partition freed or out of backoff): look again. */
  wake(): void;
}

/** A batch a member took: the partition stays in hand until complete() or release(). */
export interface Claim {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumedRecord[];
}

interface Slot {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly owner: GroupMember;
}

interface PartitionState {
  /** Offset of the next record to hand out; the committed offset once `committed`. */
  next: number;
  /** False while `next` is only the oldest-record start position; a start at new records counts as committed (the Kafka bus commits it on joining). */
  committed: boolean;
  inHand: boolean;
  /** No batch is handed out before this time: the backoff after a rejected batch. */
  notBeforeMs: number;
}

/**
 * A consumer group of the memory bus: its members, which member owns which partition (round robin
 * over the sorted partitions, recomputed whenever a member joins or leaves), and per partition the
 * committed offset. A partition is handed to at most one batch at a time, so after a rebalance the
 * new owner starts only once the old owner's batch in hand is committed or released: nothing is
 * handled twice at once and per-key order holds, as in a Kafka rebalance.
 */
export class MemoryGroup {
  private readonly members: GroupMember[] = [];
  private readonly states = new Map<string, PartitionState>();
  private slots: Slot[] = [];
  /** Where each member's next scan starts, so one busy partition does not starve the others. */
  private readonly cursors = new Map<GroupMember, number>();

  constructor(
    readonly id: string,
    private readonly topic: (name: string) => MemoryTopic,
  ) {}

  join(member: GroupMember): void {
    this.members.push(member);
    this.rebalance();
  }

  leave(member: GroupMember): void {
    const i = this.members.indexOf(member);
    if (i < 0) return;
    this.members.splice(i, 1);
    this.cursors.delete(member);
    // Like Kafka, a group forgets start positions it never committed once nobody consumes.
    // (A start at new records is committed when taken, as the Kafka bus does, so it is kept.)
    if (this.members.length === 0) for (const [key, state] of this.states) if (!state.committed) this.states.delete(key);
    this.rebalance();
  }

  /** Takes up to `max` records of one partition `member` owns that is free, out of backoff and has records. */
  claim(member: GroupMember, max: number, nowMs: number): Claim | undefined {
    const mine = this.slots.filter((s) => s.owner === member);
    const start = this.cursors.get(member) ?? 0;
    for (let i = 0; i < mine.length; i++) {
      const slot = mine[(start + i) % mine.length];
      const state = this.stateOf(slot);
      if (state.inHand || state.notBeforeMs > nowMs) continue;
      const records = this.topic(slot.topic).read(slot.partition, state.next, max);
      if (records.length === 0) continue;
      state.inHand = true;
      this.cursors.set(member, (start + i + 1) % mine.length);
      return { key: slot.key, topic: slot.topic, partition: slot.partition, records };
    }
    return undefined;
  }

  /** The handler resolved: commit past the batch and free the partition. */
  complete(claim: Claim): void {
    const state = this.states.get(claim.key);
    if (!state) return;
    state.next = Number(claim.records[claim.records.length - 1].offset) + 1;
    state.committed = true;
    state.inHand = false;
    state.notBeforeMs = 0;
    this.wakeAll();
  }

  /** The handler rejected (or the member is stopping): free the partition, commit nothing. */
  release(claim: Claim, notBeforeMs: number): void {
    const state = this.states.get(claim.key);
    if (!state) return;
    state.inHand = false;
    state.notBeforeMs = notBeforeMs;
    this.wakeAll();
  }

  /**
   * The backoff timer of a released partition fired: it may be handed out again. The timer, not
   * the clock, ends the backoff: Node measures timers from the event loop's cached time, so one can
   * fire a millisecond or more before Date.now() reaches `notBeforeMs`, and a claim made then would
   * find the partition still backing off with no wake left to come — the batch would never return.
   */
  backoffOver(key: string): void {
    const state = this.states.get(key);
    if (state) state.notBeforeMs = 0;
    this.wakeAll();
  }

  /** Log end minus committed offset, for every partition of `topics`. */
  lag(topics: readonly string[]): PartitionLag[] {
    return topics.flatMap((name) => {
      const topic = this.topic(name);
      return Array.from({ length: topic.partitions }, (_, partition) => {
        const state = this.states.get(partitionKey(name, partition));
        return { topic: name, partition, lag: topic.endOffset(partition) - (state?.committed ? state.next : 0) };
      });
    });
  }

  /** Wakes the members that read `topic` (new records there). */
  wakeReadersOf(topic: string): void {
    for (const m of this.members) if (m.topics.includes(topic)) m.wake();
  }

  wakeAll(): void {
    for (const m of this.members) m.wake();
  }

  private rebalance(): void {
    const previous = new Map(this.slots.map((s) => [s.key, s.owner]));
    const names = [...new Set(this.members.flatMap((m) => m.topics))].sort();
    const slots: Slot[] = [];
    let next = 0;
    for (const name of names) {
      const readers = this.members.filter((m) => m.topics.includes(name));
      for (let partition = 0; partition < this.topic(name).partitions; partition++) {
        const slot = { key: partitionKey(name, partition), topic: name, partition, owner: readers[next++ % readers.length] };
        // A new owner does not inherit the old owner's backoff: it retries at once, as Kafka's would.
        const state = this.states.get(slot.key);
        if (state && previous.get(slot.key) !== slot.owner) state.notBeforeMs = 0;
        slots.push(slot);
      }
    }
    this.slots = slots;
    for (const slot of slots) this.stateOf(slot);
    this.wakeAll();
  }

  /** The partition's state, created at the owner's start position the first time anyone owns it. */
  private stateOf(slot: Slot): PartitionState {
    let state = this.states.get(slot.key);
    if (!state) {
      const next = slot.owner.fromBeginning ? 0 : this.topic(slot.topic).endOffset(slot.partition);
      state = { next, committed: !slot.owner.fromBeginning, inHand: false, notBeforeMs: 0 };
      this.states.set(slot.key, state);
    }
    return state;
  }
}
