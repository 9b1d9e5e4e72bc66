import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type { ResolvedSubscribeOptions } from './bus-options';
import type { BatchContext, ConsumedRecord, PartitionLag, Subscription } from './event-bus';
import { isRebalancing, kafkaError } from './kafka-errors';
import { FirstFetch } from './kafka-first-fetch';
import { errorEntry } from './kafka-logging';
import { toConsumedRecord } from './kafka-records';
import { partitionKey, RedeliveryBackoff, type HandlerRejectionListener, type RedeliveryBackoffOptions } from './redelivery-backoff';
import { UncommittedRecords, type SkippedRefetchListener } from './uncommitted-records';

/** What a subscription takes from its bus. */
export interface KafkaSubscriptionDeps {
  readonly kafka: Kafka;
  /** The brokers, for error messages. */
  readonly brokers: string;
  /** Consumer settings besides groupId and retry (timeouts, fetch wait). */
  readonly consumer: Omit<ConsumerConfig, 'groupId' | 'retry'>;
  readonly retry: NonNullable<ConsumerConfig['retry']>;
  readonly lag: (groupId: string, topics: readonly string[]) => Promise<PartitionLag[]>;
  /** The end offset of every partition of `topics` on which the group has no committed offset. */
  readonly unpinned: (groupId: string, topics: readonly string[]) => Promise<StartOffset[]>;
  readonly onRejected?: HandlerRejectionListener;
  /** Default: a warning through kafkajs' logger. */
  readonly onSkipped?: SkippedRefetchListener;
  readonly redeliveryBackoff?: RedeliveryBackoffOptions;
  readonly onStopped: (sub: KafkaSubscription) => void;
}

/** Where a partition starts. */
export interface StartOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * One kafkajs consumer in the group, handling fetched batches with `eachBatch`, offsets resolved and
 * committed per handled chunk of at most maxBatchSize records.
 *
 * A rejected chunk is neither resolved nor thrown: kafkajs fetches each partition from its last
 * resolved offset, so leaving it unresolved is enough for the records to come again. The partition
 * is paused for the backoff and resumed by a timer, so eachBatch returns at once and the other
 * partitions go on. Throwing from eachBatch instead makes kafkajs retry the whole fetch with its
 * own backoff and, once its 5 retries run out, crash the consumer and restart it under a new member
 * id: a rebalance of the whole group (the integration test "keeps its place in the group" shows it;
 * tulios/kafkajs#945 has older versions re-running other partitions' batches as well). Sleeping in
 * eachBatch would stall the fetch loop for every partition.
 *
 * A chunk whose handler resolved but whose commit failed (the broker died, the group rebalanced) is
 * fetched again from the last committed offset; this member skips it then (UncommittedRecords), so
 * a handler's effects are not repeated after a broker outage.
 */
export class KafkaSubscription implements Subscription {
  private running = true;
  private started = false;
  /** In the group now: set on each GROUP_JOIN, cleared on a crash (kafkajs rejoins after its restart) or a stop. */
  private member = false;
  private stopped?: Promise<void>;
  private readonly backoff: RedeliveryBackoff;
  /** Chunks handled whose commit failed: skipped when fetched again (UncommittedRecords). */
  private readonly uncommitted = new UncommittedRecords();
  private readonly consumer: Consumer;

  private constructor(
    private readonly opts: ResolvedSubscribeOptions,
    private readonly deps: KafkaSubscriptionDeps,
  ) {
    this.backoff = new RedeliveryBackoff(deps.redeliveryBackoff);
    this.consumer = deps.kafka.consumer({
      ...deps.consumer,
      groupId: opts.groupId,
      allowAutoTopicCreation: false,
      // kafkajs restarts a consumer that crashed on a retriable error; while starting, a crash
      // must fail subscribe() instead, and a stopped subscription stays stopped.
      retry: { ...deps.retry, restartOnFailure: async () => this.started && this.running },
    });
    const { GROUP_JOIN, CRASH, STOP } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, () => (this.member = true));
    this.consumer.on(CRASH, () => (this.member = false));
    this.consumer.on(STOP, () => (this.member = false));
  }

  /**
   * Connects, joins the group and resolves once the consumer has fetched once: by then the start
   * offsets are resolved (kafkajs does it on the first fetch), so with fromBeginning false every
   * record published after subscribe() resolves is delivered.
   *
   * With fromBeginning false, the partitions the group has no committed offset on are pinned: their
   * end offsets, read before joining, are committed as soon as the group is joined. kafkajs alone
   * resolves "latest" in memory and commits nothing until a record is handled, so a member that
   * stopped before that would, started again, skip everything published while it was down.
   */
  static async start(opts: ResolvedSubscribeOptions, deps: KafkaSubscriptionDeps): Promise<KafkaSubscription> {
    const sub = new KafkaSubscription(opts, deps);
    try {
      const pins = opts.fromBeginning ? [] : await deps.unpinned(opts.groupId, opts.topics);
      await sub.consumer.connect();
      await sub.consumer.subscribe({ topics: [...opts.topics], fromBeginning: opts.fromBeginning });
      await sub.run(pins);
      return sub;
    } catch (err) {
      sub.running = false;
      await sub.consumer
        .disconnect()
        .catch((cleanup: unknown) =>
          deps.kafka.logger().warn('event-bus: disconnecting a consumer that failed to start', errorEntry(cleanup)),
        );
      deps.onStopped(sub);
      throw kafkaError(err, `subscribe (group ${opts.groupId}) to ${opts.topics.join(', ')}`, deps.brokers);
    }
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.running = false;
      this.backoff.cancelAll();
      try {
        // Stops fetching, waits for the batches in hand (their chunks commit as they finish), leaves the group.
        await this.consumer.disconnect();
      } catch (err) {
        throw kafkaError(err, `stop (group ${this.opts.groupId})`, this.deps.brokers);
      } finally {
        this.deps.onStopped(this);
      }
    })();
    return this.stopped;
  }

  joined(): boolean {
    return this.member && this.running;
  }

  lag(): Promise<PartitionLag[]> {
    return this.deps.lag(this.opts.groupId, this.opts.topics);
  }

  private async run(pins: readonly StartOffset[]): Promise<void> {
    let assignment: Record<string, number[] | undefined> = {};
    // The partitions this member got: only their start positions are its to commit.
    const forget = this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => (assignment = payload.memberAssignment));
    const first = new FirstFetch(this.consumer);
    try {
      await this.consumer.run({
        autoCommit: true,
        autoCommitThreshold: 1, // commitOffsetsIfNecessary() commits every resolved chunk
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.opts.partitionsConcurrently,
        eachBatch: (payload) => this.eachBatch(payload),
      });
      // kafkajs commits only once its runner runs (run() resolved); the first fetch, which would
      // resolve "latest" anew, usually comes after this commit and then starts at the pinned offsets.
      const mine = pins.filter((p) => assignment[p.topic]?.includes(p.partition));
      if (mine.length && !first.crashed) await this.consumer.commitOffsets([...mine]).catch((err: unknown) => this.pinFailed(err));
      await first.settled;
      if (first.crashed) throw first.crashed.error;
      this.started = true;
    } finally {
      forget();
      first.dispose();
    }
  }

  private async eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    pause,
    commitOffsetsIfNecessary,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const key = partitionKey(topic, partition);
    const fetched = batch.messages.map((m) => toConsumedRecord(topic, partition, m));
    const records = this.uncommitted.unhandled(key, fetched);
    if (records.length < fetched.length) this.skipped(topic, partition, fetched, records);
    if (records.length === 0 && fetched.length > 0) {
      // All handled before their commit was lost: commit past them now.
      resolveOffset(fetched[fetched.length - 1].offset);
      return this.commit(key, fetched, commitOffsetsIfNecessary);
    }
    const ctx: BatchContext = { heartbeat: () => this.heartbeat(heartbeat), isRunning: () => this.running && isRunning() };
    const { maxBatchSize, handler, groupId } = this.opts;
    for (let i = 0; i < records.length; i += maxBatchSize) {
      // Stopping, or the partition was sought elsewhere: the rest stays unresolved and comes again.
      if (!ctx.isRunning() || isStale()) return;
      const chunk = records.slice(i, i + maxBatchSize);
      try {
        await handler(chunk, ctx);
      } catch (error) {
        // Stopping: leave the chunk to the group's next member; no retry from this one.
        if (!ctx.isRunning()) return;
        const { attempt, delayMs } = this.backoff.failed(key, pause());
        this.deps.onRejected?.({ groupId, topic, partition, firstOffset: chunk[0].offset, records: chunk.length, attempt, delayMs, error });
        return;
      }
      this.backoff.succeeded(key);
      resolveOffset(chunk[chunk.length - 1].offset);
      await this.commit(key, chunk, commitOffsetsIfNecessary);
    }
  }

  /**
   * Commits the resolved offsets. A failure is thrown on to kafkajs (it retries, or restarts the
   * consumer, which then fetches from the last committed offset), and the chunk is remembered so
   * that fetching it again does not hand it to the handler again.
   */
  private async commit(key: string, chunk: readonly ConsumedRecord[], commitOffsetsIfNecessary: () => Promise<void>): Promise<void> {
    try {
      await commitOffsetsIfNecessary();
    } catch (err) {
      this.uncommitted.remember(key, chunk);
      throw err;
    }
    this.uncommitted.committed(key, chunk[chunk.length - 1].offset);
  }

  private skipped(topic: string, partition: number, fetched: readonly ConsumedRecord[], kept: readonly ConsumedRecord[]): void {
    const keep = new Set(kept);
    const skipped = fetched.filter((r) => !keep.has(r));
    const event = { groupId: this.opts.groupId, topic, partition, firstOffset: skipped[0]!.offset, records: skipped.length };
    if (this.deps.onSkipped) return this.deps.onSkipped(event);
    this.deps.kafka
      .logger()
      .warn(
        `event-bus: group ${event.groupId} fetched ${event.records} record(s) of ${topic}[${partition}] again that it had handled before their commit was lost; skipped, not handled twice`,
      );
  }

  /** A failed pin loses nothing now (kafkajs starts at "latest" anyway); only a restart before the first record could skip some. */
  private pinFailed(err: unknown): void {
    this.deps.kafka.logger().warn(`event-bus: could not commit the start offsets of group ${this.opts.groupId}`, errorEntry(err));
  }

  private async heartbeat(beat: () => Promise<void>): Promise<void> {
    try {
      await beat();
    } catch (err) {
      // A rebalance is no failure of the handler: kafkajs re-joins right after this batch (its
      // heartbeat after the batch reports it again) and the coordinator waits for this member
      // until the rebalance timeout, so the handler carries on with the records it holds.
      if (isRebalancing(err)) return;
      throw kafkaError(err, `heartbeat (group ${this.opts.groupId})`, this.deps.brokers);
    }
  }
}
