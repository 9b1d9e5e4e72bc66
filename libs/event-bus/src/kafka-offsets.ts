import { equalJitterDelay } from '@pushwire/backoff';
import type { Admin } from 'kafkajs';
import { EventBusError, type PartitionLag } from './event-bus';
import { kafkaError } from './kafka-errors';
import type { StartOffset } from './kafka-subscription';

/** How long reading start offsets may keep failing retriably (fresh topics without a leader yet). */
const START_OFFSETS_DEADLINE_MS = 15_000;

/** What KafkaOffsets takes from its bus. */
export interface KafkaOffsetsDeps {
  readonly admin: () => Promise<Admin>;
  /** The brokers, for error messages. */
  readonly brokers: () => string;
  readonly isClosed: () => boolean;
}

/** Where a tail starts and what it catches up to, per partition. */
export interface TailOffsets {
  readonly starts: ReadonlyMap<number, string>;
  readonly ends: ReadonlyMap<number, string>;
}

/**
 * The offsets the Kafka bus reads with its admin client: a group's lag, a new group's start
 * offsets, a tail's start and end offsets. Start offsets are read when a consumer starts, often
 * right after its topic was created (a first start on a fresh broker), when the admin client may
 * not know the new partitions' leader yet and hears "not the leader" for a while: retriable
 * failures are tried again for a bounded time rather than failing the start (and the service's).
 */
export class KafkaOffsets {
  constructor(private readonly deps: KafkaOffsetsDeps) {}

  /** End offset minus the group's committed offset (the log start where it committed none), per partition. */
  async lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    const offsets = await this.groupOffsets(groupId, topics, 'lag of');
    return offsets.map(({ topic, partition, high, low, committed }) => ({
      topic,
      partition,
      lag: Number(BigInt(high) - BigInt(committed ?? low)),
    }));
  }

  /** End offsets of the partitions of `topics` the group has committed no offset on (a new group: all of them). */
  unpinned(groupId: string, topics: readonly string[]): Promise<StartOffset[]> {
    return this.untilLeadersKnown(async () => {
      const offsets = await this.groupOffsets(groupId, topics, 'start offsets of');
      return offsets.filter((o) => o.committed === undefined).map(({ topic, partition, high }) => ({ topic, partition, offset: high }));
    });
  }

  /** Per partition: the first record at or after `sinceMs` (or the end without it), and the end. */
  tail(topic: string, sinceMs: number | undefined): Promise<TailOffsets> {
    return this.untilLeadersKnown(() =>
      this.attempt(`start offsets of the tail of ${topic}`, async (admin) => {
        // Ends first: a record appended between the two reads lies after the end, not before the start.
        const ends = await admin.fetchTopicOffsets(topic);
        // kafkajs answers the end for a partition with no record at or after sinceMs (Kafka says -1).
        const starts =
          sinceMs === undefined
            ? ends.map(({ partition, high }) => ({ partition, offset: high }))
            : await admin.fetchTopicOffsetsByTimestamp(topic, sinceMs);
        return { starts: new Map(starts.map((s) => [s.partition, s.offset])), ends: new Map(ends.map((e) => [e.partition, e.high])) };
      }),
    );
  }

  private async untilLeadersKnown<T>(read: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + START_OFFSETS_DEADLINE_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await read();
      } catch (err) {
        const wait = equalJitterDelay(attempt, 100, 1000);
        if (!(err instanceof EventBusError) || !err.retriable || this.deps.isClosed() || Date.now() + wait > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Per partition of `topics`, in partition order: its log start and end, and the group's committed offset if any. */
  private groupOffsets(
    groupId: string,
    topics: readonly string[],
    what: string,
  ): Promise<Array<{ topic: string; partition: number; high: string; low: string; committed?: string }>> {
    return this.attempt(`${what} group ${groupId}`, async (admin) => {
      const [ends, committed] = await Promise.all([
        Promise.all(topics.map((t) => admin.fetchTopicOffsets(t))),
        admin.fetchOffsets({ groupId, topics: [...topics] }),
      ]);
      return topics.flatMap((topic, i) =>
        ends[i]
          .map(({ partition, high, low }) => {
            const offset = committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset;
            return { topic, partition, high, low, ...(offset !== undefined && BigInt(offset) >= 0n ? { committed: offset } : {}) };
          })
          .sort((a, b) => a.partition - b.partition),
      );
    });
  }

  /** Runs an admin call on an open bus, translating its failure into an EventBusError about `action`. */
  private async attempt<T>(action: string, call: (admin: Admin) => Promise<T>): Promise<T> {
    if (this.deps.isClosed()) throw new EventBusError(`${action}: the Kafka event bus is closed`);
    try {
      return await call(await this.deps.admin());
    } catch (err) {
      throw kafkaError(err, action, this.deps.brokers());
    }
  }
}
