import {
  Kafka,
  logLevel as LogLevel,
  Partitioners,
  type Admin,
  type logCreator,
  type Message,
  type Producer,
  type RecordMetadata,
  type RetryOptions,
} from 'kafkajs';
import { checkMessages, checkTopicSpecs, invalidArgument, resolveSubscribeOptions, tooFewPartitions } from './bus-options';
import {
  EventBusError,
  type BusMessage,
  type EventBus,
  type EventLog,
  type RecordPosition,
  type SubscribeOptions,
  type Subscription,
  type Tail,
  type TailOptions,
  type TopicSpec,
} from './event-bus';
import { KafkaAppendPlanner, positionsOf } from './kafka-append';
import { kafkaError } from './kafka-errors';
import { KafkaOffsets } from './kafka-offsets';
import { consoleLogCreator, demoteRoutineErrors, errorEntry } from './kafka-logging';
import { KafkaSubscription, type KafkaSubscriptionDeps } from './kafka-subscription';
import { KafkaTail } from './kafka-tail';
import type { HandlerRejectionListener, RedeliveryBackoffOptions } from './redelivery-backoff';
import { checkTailOptions, type TailRejectionListener } from './tail-options';
import type { SkippedRefetchListener } from './uncommitted-records';

/** Where the bus connects: brokers and client id (a kafkajs client is made from them), or a ready kafkajs client. */
export type KafkaConnection =
  | {
      /** Bootstrap brokers, `host:port`, at least one. */
      readonly brokers: readonly string[];
      /** Client id the brokers see (their logs, quotas). */
      readonly clientId: string;
      /** kafkajs log level. Default ERROR: kafkajs is chatty at INFO. */
      readonly logLevel?: LogLevel;
      /**
       * Where kafkajs logs go, e.g. into pino. Default: JSON lines on the console, as kafkajs writes
       * them. Either way, a broker's routine rebalance answers are logged at INFO, not ERROR.
       */
      readonly logCreator?: logCreator;
      /** TCP connect timeout per broker. Default 1 000 ms. */
      readonly connectionTimeoutMs?: number;
      /** Per-request timeout. Default 30 000 ms. */
      readonly requestTimeoutMs?: number;
    }
  | {
      /** A kafkajs client made elsewhere (its own retry and timeouts apply to connecting). */
      readonly kafka: Kafka;
    };

/** How consumers behave; every field has a default. */
export interface KafkaEventBusTuning {
  /** Longest a fetch waits on the broker for new records. Default 100 ms: low latency, ~10 fetches/s per idle consumer. */
  readonly fetchMaxWaitMs?: number;
  /** Least data a fetch waits for (up to fetchMaxWaitMs). Default 1 byte: answer as soon as anything is there. */
  readonly fetchMinBytes?: number;
  /** Most data one fetch takes of one partition. Default 1 MiB (kafkajs'). */
  readonly fetchMaxBytesPerPartition?: number;
  /** Most data one fetch takes in all. Default 10 MiB (kafkajs'). */
  readonly fetchMaxBytes?: number;
  /** A member silent this long leaves the group. Default 10 000 ms (brokers accept 6 000 and up by default). */
  readonly sessionTimeoutMs?: number;
  /** Heartbeat interval, at most a third of the session timeout. Default 1 000 ms. */
  readonly heartbeatIntervalMs?: number;
  /** How long the coordinator waits for members to re-join, i.e. for batches in hand to finish. Default 60 000 ms. */
  readonly rebalanceTimeoutMs?: number;
  /** Told of every handler rejection (the batch comes again after a backoff). Default: none. */
  readonly onHandlerRejected?: HandlerRejectionListener;
  /**
   * Told when a subscription skips records fetched again that it had handled before their offset
   * commit was lost (a broker outage). Default: a warning through kafkajs' logger.
   */
  readonly onRefetchSkipped?: SkippedRefetchListener;
  /** Delays before a rejected batch comes again. Default 100 ms doubling to 2 s, with jitter. */
  readonly redeliveryBackoff?: RedeliveryBackoffOptions;
  /** Told of every tail handler rejection (those records are skipped). Default: logged through kafkajs' logger at ERROR. */
  readonly onTailRejected?: TailRejectionListener;
}

export type KafkaEventBusOptions = KafkaConnection & KafkaEventBusTuning;

/**
 * Retries of connecting, metadata and group calls: 100 ms doubling to 2 s, 5 times (kafkajs adds
 * jitter), so unreachable brokers fail an operation within a few seconds instead of kafkajs' ~40.
 */
const RETRY: RetryOptions = { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 };

/**
 * EventBus on Kafka through kafkajs. One idempotent producer and one admin client, each connected
 * on first use; one kafkajs consumer per subscription. Every failure is an EventBusError naming
 * the action and the brokers.
 *
 * Known limit (kafkajs' fetch loop): partitionsConcurrently handles the partitions of one fetch
 * response at the same time, but the next fetch waits for all of them, so while one partition's
 * batch is slow, new records of the others wait too. Records fetched together are not held up.
 *
 * As an EventLog: the log id is the cluster id; each tail is a consumer of its own (kafka-tail.ts).
 */
export class KafkaEventBus implements EventBus, EventLog {
  private readonly kafka: Kafka;
  private readonly brokers: string;
  private readonly tuning: KafkaEventBusTuning;
  /** Topics seen to exist: publish checks a topic once, so a missing one fails at once and by name. */
  private readonly knownTopics = new Set<string>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly tails = new Set<KafkaTail>();
  private readonly appendPlanner = new KafkaAppendPlanner(() => this.connectedAdmin());
  private readonly offsets = new KafkaOffsets({
    admin: () => this.connectedAdmin(),
    brokers: () => this.brokers,
    isClosed: () => this.closed !== undefined,
  });
  private clusterId?: Promise<string>;
  private admin?: Promise<Admin>;
  private producer?: { client: Producer; ready: Promise<Producer> };
  private closed?: Promise<void>;
  private ensuring: Promise<unknown> = Promise.resolve();

  constructor(opts: KafkaEventBusOptions) {
    this.tuning = opts;
    if ('kafka' in opts) {
      this.kafka = opts.kafka;
      this.brokers = '(those of the given kafkajs client)';
      return;
    }
    if (!opts.brokers.length) throw invalidArgument('KafkaEventBus: brokers must list at least one host:port');
    this.brokers = opts.brokers.join(',');
    this.kafka = new Kafka({
      brokers: [...opts.brokers],
      clientId: opts.clientId,
      retry: RETRY,
      logLevel: opts.logLevel ?? LogLevel.ERROR,
      logCreator: demoteRoutineErrors(opts.logCreator ?? consoleLogCreator),
      connectionTimeout: opts.connectionTimeoutMs ?? 1_000,
      requestTimeout: opts.requestTimeoutMs ?? 30_000,
    });
  }

  async ready(): Promise<void> {
    this.assertOpen('readiness check');
    try {
      await this.connectedProducer();
      // A live metadata request: a producer object stays "connected" through a broker outage.
      await (await this.connectedAdmin()).listTopics();
    } catch (err) {
      throw kafkaError(err, 'readiness check', this.brokers);
    }
  }

  ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    // One at a time per bus: concurrent calls would race to create the same topic, which works
    // (the loser hears "already exists") but makes kafkajs log that answer as an ERROR.
    const run = this.ensuring.then(() => this.ensureTopicsNow(specs));
    this.ensuring = run.catch(() => undefined);
    return run;
  }

  private async ensureTopicsNow(specs: readonly TopicSpec[]): Promise<void> {
    this.assertOpen('ensureTopics');
    checkTopicSpecs(specs);
    if (specs.length === 0) return;
    const names = specs.map((s) => s.name);
    const found = await this.attempt(`ensureTopics ${names.join(', ')}`, async () => {
      const admin = await this.connectedAdmin();
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.name));
      // Only the missing ones: with one already there, createTopics answers "exists" for all and
      // skips waiting for the new topics' leaders. A replica racing us gets that answer: fine.
      if (missing.length) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((s) => ({ topic: s.name, numPartitions: s.partitions, replicationFactor: s.replicationFactor ?? 1 })),
        });
      }
      return (await admin.fetchTopicMetadata({ topics: names })).topics;
    });
    for (const spec of specs) {
      const partitions = found.find((t) => t.name === spec.name)?.partitions.length ?? 0;
      if (partitions < spec.partitions) throw tooFewPartitions(spec.name, partitions, spec.partitions);
      this.knownTopics.add(spec.name);
    }
  }

  async publish(topic: string, messages: readonly BusMessage[]): Promise<void> {
    this.assertOpen('publish');
    checkMessages(topic, messages);
    await this.requireTopics([topic], 'publish to');
    if (messages.length === 0) return;
    await this.send(topic, messages, `publish ${messages.length} record(s) to ${topic}`);
  }

  logId(): Promise<string> {
    this.clusterId ??= this.attempt('read the cluster id', async () => (await (await this.connectedAdmin()).describeCluster()).clusterId);
    // A failed read is reported to the caller; the next call asks again.
    this.clusterId.catch(() => (this.clusterId = undefined));
    return this.clusterId;
  }

  async append(topic: string, messages: readonly BusMessage[]): Promise<RecordPosition[]> {
    this.assertOpen('append');
    checkMessages(topic, messages);
    await this.requireTopics([topic], 'append to');
    if (messages.length === 0) return [];
    const action = `append ${messages.length} record(s) to ${topic}`;
    const planned = await this.attempt(action, () => this.appendPlanner.plan(topic, messages));
    return positionsOf(topic, planned, await this.send(topic, planned, action));
  }

  async tail(opts: TailOptions): Promise<Tail> {
    this.assertOpen('tail');
    checkTailOptions(opts);
    await this.requireTopics([opts.topic], 'tail');
    const tail = await KafkaTail.start(opts, {
      kafka: this.kafka,
      brokers: this.brokers,
      offsets: (topic, sinceMs) => this.offsets.tail(topic, sinceMs),
      consumer: this.consumerTuning(),
      retry: RETRY,
      onRejected: this.tuning.onTailRejected,
      onStopped: (t) => this.tails.delete(t),
    });
    if (this.closed) {
      await tail.stop();
      throw new EventBusError(`tail of ${opts.topic}: the Kafka event bus was closed meanwhile`);
    }
    this.tails.add(tail);
    return tail;
  }

  /** Sends with the shared producer (acks=all); a failed send discards it (see discardProducer). */
  private async send(topic: string, messages: readonly Message[], action: string): Promise<RecordMetadata[]> {
    const producer = await this.attempt(action, () => this.connectedProducer());
    try {
      return await producer.send({
        topic,
        acks: -1,
        messages: messages.map(({ key, value, headers, partition }) => ({ key, value, headers: { ...headers }, partition })),
      });
    } catch (err) {
      this.discardProducer(producer);
      throw kafkaError(err, action, this.brokers);
    }
  }

  async subscribe(opts: SubscribeOptions): Promise<Subscription> {
    this.assertOpen('subscribe');
    const resolved = resolveSubscribeOptions(opts);
    await this.requireTopics(resolved.topics, `subscribe (group ${resolved.groupId}) to`);
    const deps: KafkaSubscriptionDeps = {
      kafka: this.kafka,
      brokers: this.brokers,
      consumer: this.consumerTuning(),
      retry: RETRY,
      lag: (groupId, topics) => this.offsets.lag(groupId, topics),
      unpinned: (groupId, topics) => this.offsets.unpinned(groupId, topics),
      onRejected: this.tuning.onHandlerRejected,
      onSkipped: this.tuning.onRefetchSkipped,
      redeliveryBackoff: this.tuning.redeliveryBackoff,
      onStopped: (sub) => this.subscriptions.delete(sub),
    };
    const sub = await KafkaSubscription.start(resolved, deps);
    if (this.closed) {
      // close() ran while this consumer was joining: it must not outlive the bus.
      await sub.stop();
      throw new EventBusError(`subscribe (group ${resolved.groupId}): the Kafka event bus was closed meanwhile`);
    }
    this.subscriptions.add(sub);
    return sub;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      const results = await Promise.allSettled([
        ...[...this.subscriptions].map((s) => s.stop()),
        ...[...this.tails].map((t) => t.stop()),
        ...(this.producer ? [this.producer.client.disconnect()] : []),
        ...(this.admin ? [this.admin.then((a) => a.disconnect())] : []),
      ]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw kafkaError(failed.reason, 'close', this.brokers);
    })();
    return this.closed;
  }

  private consumerTuning(): KafkaSubscriptionDeps['consumer'] {
    const { fetchMaxWaitMs = 100, sessionTimeoutMs = 10_000, heartbeatIntervalMs = 1_000, rebalanceTimeoutMs = 60_000 } = this.tuning;
    const { fetchMinBytes, fetchMaxBytesPerPartition, fetchMaxBytes } = this.tuning;
    return {
      maxWaitTimeInMs: fetchMaxWaitMs,
      ...(fetchMinBytes !== undefined ? { minBytes: fetchMinBytes } : {}),
      ...(fetchMaxBytesPerPartition !== undefined ? { maxBytesPerPartition: fetchMaxBytesPerPartition } : {}),
      ...(fetchMaxBytes !== undefined ? { maxBytes: fetchMaxBytes } : {}),
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: heartbeatIntervalMs,
      rebalanceTimeout: rebalanceTimeoutMs,
    };
  }

  private async requireTopics(names: readonly string[], action: string): Promise<void> {
    const unknown = names.filter((n) => !this.knownTopics.has(n));
    if (unknown.length === 0) return;
    const existing = new Set(await this.attempt(`${action} ${unknown.join(', ')}`, async () => (await this.connectedAdmin()).listTopics()));
    const missing = unknown.filter((n) => !existing.has(n));
    if (missing.length)
      throw new EventBusError(
        `${action} topic ${missing.join(', ')}: no such topic on Kafka (brokers ${this.brokers}); create it with ensureTopics`,
      );
    for (const name of unknown) this.knownTopics.add(name);
  }

  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      const ready = admin.connect().then(() => admin);
      this.admin = ready;
      // A failed connect is reported to the caller; the next call connects afresh.
      ready.catch(() => {
        if (this.admin === ready) this.admin = undefined;
      });
    }
    return this.admin;
  }

  /**
   * The producer, connected once. Its retries are RETRY's, given explicitly: left out, an idempotent
   * kafkajs producer retries forever and a publish during a broker outage would never answer. So one
   * publish while the broker is down fails within a few seconds (its send reconnects through the
   * cluster's retrier, 100 ms doubling to 2 s, then gives up), and callers that want to ride out a
   * longer outage retry within their own deadline (PushClient's `enqueueTimeoutMs`). A broker that
   * takes the connection but never answers holds one attempt up to `requestTimeoutMs`: such callers
   * stop waiting at their deadline. Idempotent, so kafkajs' own retries never write a record twice;
   * that forces acks=all. kafkajs (unlike Java) does not require maxInFlightRequests 1 for it: it
   * serialises an idempotent producer's requests per broker itself (tulios/kafkajs#1050).
   * The explicit partitioner is kafkajs' default (murmur2 of the key, as Java's) and silences its
   * v2 "default partitioner changed" warning, which fires only when none is given.
   */
  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const client = this.kafka.producer({
        idempotent: true,
        retry: RETRY,
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
      });
      const entry = { client, ready: client.connect().then(() => client) };
      this.producer = entry;
      entry.ready.catch(() => {
        if (this.producer === entry) this.producer = undefined;
      });
    }
    return this.producer.ready;
  }

  /**
   * Drops a producer whose send failed. Its retries are bounded (so publish fails rather than
   * hangs), and kafkajs then rolls back the sequence numbers of a batch the broker may have written
   * after all; the next batch would reuse them and could be dropped as a duplicate. A new producer
   * gets a new producer id, so a failed publish retried by the caller is at worst written twice.
   */
  private discardProducer(client: Producer): void {
    if (this.producer?.client !== client) return;
    this.producer = undefined;
    client.disconnect().catch((err: unknown) => this.kafka.logger().warn('event-bus: disconnecting a failed producer', errorEntry(err)));
  }

  /** Runs a kafkajs call, translating its failure into an EventBusError about `action`. */
  private async attempt<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw kafkaError(err, action, this.brokers);
    }
  }

  private assertOpen(action: string): void {
    if (this.closed) throw new EventBusError(`${action}: the Kafka event bus is closed`);
  }
}
