/**
 * The event bus Pushwire's services talk through: Kafka in a cluster, an in-memory bus in `npm start`
 * and unit tests. Our own small interface, because kafkajs is unmaintained upstream and must stay
 * replaceable; both adapters pass one contract suite.
 *
 * Model (Kafka's): topics split into partitions; a record's key picks its partition, so records of
 * one key stay in order; consumer groups share a topic's partitions and remember, per partition,
 * the offset up to which records are done (committed).
 *
 * Also importable alone as `@pushwire/event-bus/core` (no adapter, so no kafkajs): what a library
 * that only takes a bus (push-client's direct-push entry) needs.
 */

import { PushwireError, type ErrorCode, type PushwireErrorOptions } from '@pushwire/protocol';

/** A record to publish. `value` is the serialized document (JSON for Pushwire's own records). */
export interface BusMessage {
  readonly key: string;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A record as consumed. `key` is null when the producer set none (foreign producers can). */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  /** Offset as a decimal string (Kafka offsets are 64-bit). */
  readonly offset: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Epoch ms the record was appended. */
  readonly timestamp: number;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Kafka replication factor. Default 1 (fine for one broker; set 3 in production). */
  readonly replicationFactor?: number;
}

/** Given to a batch handler: keep the group membership alive during long work, and see a stop coming. */
export interface BatchContext {
  heartbeat(): Promise<void>;
  /**
   * False once the subscription is stopping: finish the record at hand and reject, so the rest of
   * the batch stays uncommitted and comes again (resolving would commit the whole batch).
   */
  isRunning(): boolean;
}

/**
 * Handles records of ONE partition, in offset order. The whole batch counts as done when the
 * promise resolves: only then are its offsets committed (at-least-once). A rejection commits nothing
 * and the same records come again after a backoff, so a handler rejects only for failures worth
 * retrying (its own output could not be written); records it cannot handle it dead-letters itself.
 * A batch that resolved but whose commit was lost (a broker outage) is not handed to the same
 * subscription again; another member, or the next process after a crash, may handle it again.
 */
export type BatchHandler = (records: readonly ConsumedRecord[], ctx: BatchContext) => Promise<void>;

export interface SubscribeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handler: BatchHandler;
  /**
   * Where a group without a committed offset starts: the oldest record (true) or new ones only.
   * New ones only: every record published after subscribe() resolves is delivered, and the start
   * is kept (Kafka: committed on joining), so a member stopped before handling any record resumes
   * there. Default true.
   */
  readonly fromBeginning?: boolean;
  /** How many partitions' batches are handled at the same time. Default 1. */
  readonly partitionsConcurrently?: number;
  /** Largest batch handed to the handler. Default 500. */
  readonly maxBatchSize?: number;
}

/** Per partition: how many records the group still has to consume. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

export interface Subscription {
  /** Stops fetching, waits for the batches in hand to finish and be committed, leaves the group. */
  stop(): Promise<void>;
  /** The group's lag on every partition of the subscribed topics. */
  lag(): Promise<PartitionLag[]>;
  /**
   * True while this member is in its group: joined, not crashed (Kafka: until kafkajs restarts it
   * and it joins again), not stopped. What a service's /readyz checks. Optional for test doubles.
   */
  joined?(): boolean;
}

export interface EventBus {
  /** Creates missing topics with these partition counts; existing topics are left as they are. Idempotent. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Appends the messages; resolves once they are durably stored (Kafka: acks=all, idempotent producer). */
  publish(topic: string, messages: readonly BusMessage[]): Promise<void>;
  subscribe(opts: SubscribeOptions): Promise<Subscription>;
  /** Stops every subscription and releases connections. */
  close(): Promise<void>;
  /**
   * Resolves when the bus can take a publish now (Kafka: the producer is connected and a broker
   * answers a metadata request); rejects with an EventBusError saying why not. What a service's
   * /readyz checks; a caller bounds it with its own deadline. Optional for test doubles.
   */
  ready?(): Promise<void>;
}

/** What an EventBusError means: the bus failed or refused (`queue_unavailable`), or a call's arguments are wrong (`invalid_request`). */
export type EventBusErrorCode = Extract<ErrorCode, 'queue_unavailable' | 'invalid_request'>;

/**
 * Thrown by an adapter when the bus cannot be reached or refuses an operation (code
 * `queue_unavailable`), or when a call's arguments are wrong (`invalid_request`, never retriable).
 * A translated kafkajs error is the `cause`, and its `retriable` flag carries over.
 */
export class EventBusError extends PushwireError<EventBusErrorCode> {
  override readonly name = 'EventBusError';
  constructor(message: string, options: PushwireErrorOptions & { code?: EventBusErrorCode } = {}) {
    super(options.code ?? 'queue_unavailable', message, options);
  }
}

// ---- logs read in full by every reader (topic messages and broadcasts, issue 14) ---------------

/** Where an appended record landed. */
export interface RecordPosition {
  readonly partition: number;
  /** Offset as a decimal string (Kafka offsets are 64-bit). */
  readonly offset: string;
}

/** Options of EventLog.tail. */
export interface TailOptions {
  readonly topic: string;
  /**
   * Start at the first record appended at or after this time (epoch ms): what a new reader loads as
   * history. Default: the log's end (new records only).
   */
  readonly sinceMs?: number;
  /**
   * Records of one partition, in offset order. No offsets are committed anywhere: every tail reads
   * on its own. A rejection is logged and the records are NOT handed again (a tail is a live feed).
   */
  readonly handler: (records: readonly ConsumedRecord[]) => void | Promise<void>;
}

/** A running tail of a log. */
export interface Tail {
  /**
   * Per partition, the first offset this tail hands over: every record from it on reaches the
   * handler, in order. Known when `tail()` resolves.
   */
  readonly startOffsets: ReadonlyMap<number, string>;
  /**
   * Per partition, the log's end when the tail started (the offset the next record would get): a
   * record at or after it was appended after the start. Lets a reader tell history from live records
   * exactly, whenever its handler runs (it may run before `tail()` resolves). Known when `tail()` resolves.
   */
  readonly endOffsets: ReadonlyMap<number, string>;
  /** Resolves once every record that was in the log when the tail started has been handed over. */
  readonly caughtUp: Promise<void>;
  /** Stops reading and releases the reader (Kafka: its consumer; no group state is left to keep). */
  stop(): Promise<void>;
}

/**
 * A log every reader reads in full, each from where it chooses, with no consumer group sharing the
 * partitions: Pushwire's topic log (`pushwire.topic-messages`), which every edge reads. Both
 * adapters implement it next to EventBus, and one contract suite checks both.
 */
export interface EventLog {
  /**
   * An id of this log's instance, the same for every process reading it: Kafka's cluster id; for the
   * memory bus a random id made when the bus is created. Topic epochs are derived from it.
   */
  logId(): Promise<string>;
  /** Like EventBus.publish, and says where each message landed, in the order given. */
  append(topic: string, messages: readonly BusMessage[]): Promise<RecordPosition[]>;
  /** Reads the topic's partitions from `sinceMs` (or the end) on, until stopped. */
  tail(opts: TailOptions): Promise<Tail>;
}
