import { randomUUID } from 'node:crypto';
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import { CatchUp } from './catch-up';
import type { ConsumedRecord, Tail, TailOptions } from './event-bus';
import { kafkaError } from './kafka-errors';
import { FirstFetch } from './kafka-first-fetch';
import type { TailOffsets } from './kafka-offsets';
import { errorEntry } from './kafka-logging';
import { toConsumedRecord } from './kafka-records';
import type { TailRejectionListener } from './tail-options';

/** What a tail takes from its bus. */
export interface KafkaTailDeps {
  readonly kafka: Kafka;
  /** The brokers, for error messages. */
  readonly brokers: string;
  /** Reads where the tail starts and what it catches up to. */
  readonly offsets: (topic: string, sinceMs: number | undefined) => Promise<TailOffsets>;
  /** Consumer settings besides groupId and retry (timeouts, fetch wait). */
  readonly consumer: Omit<ConsumerConfig, 'groupId' | 'retry'>;
  readonly retry: NonNullable<ConsumerConfig['retry']>;
  /** Default: logged through the kafkajs logger at ERROR. */
  readonly onRejected?: TailRejectionListener;
  readonly onStopped: (tail: KafkaTail) => void;
}

/**
 * A tail of a Kafka topic: a kafkajs consumer in a group of its own (a random id, so it shares no
 * partition with anyone), which commits nothing and is sought to the start offsets it read before
 * joining. kafkajs has no manual assignment, hence the throwaway group: it holds no offsets, so
 * the broker forgets it once the consumer leaves.
 */
export class KafkaTail implements Tail {
  readonly caughtUp: Promise<void>;
  private readonly groupId = `pushwire-tail-${randomUUID()}`;
  private readonly consumer: Consumer;
  private readonly catchUp: CatchUp;
  /** Per partition, the offset of the next record to hand over: where a re-joined consumer is sought back to. */
  private readonly next: Map<number, bigint>;
  private running = true;
  private started = false;
  private joins = 0;
  private stopped?: Promise<void>;

  private constructor(
    private readonly opts: TailOptions,
    private readonly deps: KafkaTailDeps,
    readonly startOffsets: ReadonlyMap<number, string>,
    readonly endOffsets: ReadonlyMap<number, string>,
  ) {
    this.catchUp = new CatchUp(startOffsets, endOffsets);
    this.caughtUp = this.catchUp.done;
    this.next = new Map([...startOffsets].map(([p, offset]) => [p, BigInt(offset)]));
    this.consumer = deps.kafka.consumer({
      ...deps.consumer,
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      // A crash once running restarts the consumer (kafkajs' default); GROUP_JOIN then seeks it
      // back to where it was. While starting, a crash fails tail() instead.
      retry: { ...deps.retry, restartOnFailure: async () => this.started && this.running },
    });
  }

  /**
   * Reads the start offsets (per partition: the first record at or after `sinceMs`, else the end)
   * and the ends (for caughtUp), then joins and seeks; resolves after the consumer's first fetch.
   */
  static async start(opts: TailOptions, deps: KafkaTailDeps): Promise<KafkaTail> {
    const action = `tail of ${opts.topic}`;
    let tail: KafkaTail | undefined;
    try {
      const { starts, ends } = await deps.offsets(opts.topic, opts.sinceMs);
      tail = new KafkaTail(opts, deps, starts, ends);
      await tail.run();
      return tail;
    } catch (err) {
      if (tail)
        await tail
          .stop()
          .catch((cleanup: unknown) =>
            deps.kafka.logger().warn(`event-bus: stopping a ${action} that failed to start`, errorEntry(cleanup)),
          );
      throw kafkaError(err, action, deps.brokers);
    }
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.running = false;
      try {
        await this.consumer.disconnect();
      } catch (err) {
        throw kafkaError(err, `stop the tail of ${this.opts.topic}`, this.deps.brokers);
      } finally {
        this.deps.onStopped(this);
      }
    })();
    return this.stopped;
  }

  private async run(): Promise<void> {
    // Every join after the first is kafkajs restarting the consumer or re-joining after a lost
    // session: nothing was committed, so without a seek it would resume at the end and skip records.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      if (this.joins++ > 0) this.seekToNext();
    });
    const first = new FirstFetch(this.consumer);
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [this.opts.topic], fromBeginning: false });
      await this.consumer.run({ autoCommit: false, eachBatch: (payload) => this.eachBatch(payload) });
      // kafkajs takes seeks only once run() has made the group; it applies them before its next fetch
      // and drops any fetched answer for a partition with a seek pending, so no record before it slips in.
      if (!first.crashed) this.seekToNext();
      await first.settled;
      if (first.crashed) throw first.crashed.error;
      this.started = true;
    } finally {
      first.dispose();
    }
  }

  private seekToNext(): void {
    for (const [partition, offset] of this.next) this.consumer.seek({ topic: this.opts.topic, partition, offset: offset.toString() });
  }

  private async eachBatch({ batch, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { partition } = batch;
    const next = this.next.get(partition) ?? 0n;
    // A re-joined consumer sought back may fetch a record it handed already: never hand one twice.
    const records = batch.messages.filter((m) => BigInt(m.offset) >= next).map((m) => toConsumedRecord(batch.topic, partition, m));
    if (records.length === 0 || !this.running || !isRunning() || isStale()) return;
    await this.hand(records);
    const after = BigInt(records[records.length - 1].offset) + 1n;
    this.next.set(partition, after);
    this.catchUp.handed(partition, after);
  }

  private async hand(records: readonly ConsumedRecord[]): Promise<void> {
    try {
      await this.opts.handler(records);
    } catch (error) {
      const { topic, partition, offset } = records[0];
      const rejection = { topic, partition, firstOffset: offset, records: records.length, error };
      if (this.deps.onRejected) this.deps.onRejected(rejection);
      else
        this.deps.kafka.logger().error(`event-bus: a tail handler of ${topic} [${partition}] failed; its records are skipped`, {
          ...rejection,
          ...errorEntry(error),
        });
    }
  }
}
