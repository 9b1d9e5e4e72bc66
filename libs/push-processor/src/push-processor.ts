import { setMaxListeners } from 'node:events';
import {
  busReadinessChecks,
  deadLetterOf,
  type BatchContext,
  type BusDependencyCheck,
  type BusMessage,
  type ConsumedRecord,
  type EventBus,
  type PartitionLag,
  type Subscription,
  type TopicSpec,
} from '@pushwire/event-bus';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  deviceRefKey,
  TOPIC_LOG,
  Topics,
  type DeadLetterRecord,
  type Priority,
  type PushOutcomeRecord,
} from '@pushwire/protocol';
import type { InboxClient } from '@pushwire/registry-client';
import { NO_JOURNAL, type JournalRecorder, type Logger } from '@pushwire/service-kit';
import { planBatch, type InvalidRecord } from './batch-plan';
import type { DeliveryPort } from './delivery-port';
import { DeliveryWaves } from './delivery-waves';
import { ExpirySweep } from './expiry-sweep';
import { InboxStoreWaves } from './inbox-store-waves';
import { Limiter } from './limiter';
import type { ProcessorMetrics } from './processor-metrics';
import { RequestLifecycle, type Handled } from './request-lifecycle';
import { traceRequest } from './request-tracing';
import type { RetryPolicy } from './retry-policy';

const PRIORITIES: readonly Priority[] = ['high', 'normal', 'low'];
/** How often a batch in hand tells the group its member is alive (kafkajs sends at most one per its heartbeat interval). */
const BATCH_HEARTBEAT_MS = 1000;
const priorityOfTopic = new Map<string, Priority>(PRIORITIES.map((p) => [Topics.pushRequests[p], p]));

/** Default of `PushProcessorOptions.inboxSweepMs`. */
export const DEFAULT_INBOX_SWEEP_MS = 1000;

export interface PushProcessorOptions {
  readonly bus: EventBus;
  readonly delivery: DeliveryPort;
  /** The per-device inbox: where messages not deliverable now wait for their device or their TTL. */
  readonly inbox: InboxClient;
  /** Consumer group over the three request topics. */
  readonly groupId: string;
  /**
   * Where a group without committed offsets starts: false (default) at the newest records, so a new
   * group never re-delivers old ones; true replays the topics from the oldest record.
   */
  readonly replay?: boolean;
  /** Targets (devices) with a message in flight at once per priority (shared by all partitions of that priority). */
  readonly concurrency: Readonly<Record<Priority, number>>;
  /**
   * Most deliveries handed to the delivery port in one call: the first attempts the targets of the
   * batches in hand start together travel as one wave (one lookup, one request per edge). Default 1000.
   */
  readonly deliveryWave?: number;
  /** Records per handled batch (a fetched partition's records are handled in chunks this large). Default: the bus's (500). */
  readonly maxBatchSize?: number;
  readonly retry: RetryPolicy;
  /** TTL of messages that carry none. */
  readonly defaultTtlSeconds: number;
  /** The edges' largest frame: a payload larger can never be delivered and ends `rejected` at once. Default 64 KiB. */
  readonly maxMessageBytes?: number;
  /** Partition counts the topics are created with (existing topics are left alone). */
  readonly partitions: Readonly<Record<Priority | 'outcomes' | 'dlq', number>>;
  /** Partitions handled at once; keep it ≥ the number of request partitions so no priority waits on another. */
  readonly partitionsConcurrently: number;
  /** Pause between expiry sweeps of the inbox (expired entries → outcome `expired`). Default 1000 ms. */
  readonly inboxSweepMs?: number;
  readonly logger: Logger;
  /** Where the processor records each message's stages (GET /v1/messages/:id/events). Default: nowhere. */
  readonly journal?: JournalRecorder;
  /** Built with this processor's `lag`, so the caller registers it on its metrics registry. */
  readonly metrics?: (lag: () => Promise<PartitionLag[]>) => ProcessorMetrics;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Indirect push: consumes `pushwire.push-requests.high|normal|low` in one consumer group and
 * delivers each message the way direct push does. A message not deliverable now goes to its
 * device's inbox (RequestLifecycle: outcome `stored`, later its final one); retries are bounded by
 * the TTL, not by a count. Every message gets exactly one final outcome on `pushwire.push-outcomes`
 * (invalid records, and messages whose TTL ended while even the inbox was down, also go to
 * `pushwire.push-dlq`), and a batch's offsets are committed only after its outcomes are written:
 * at-least-once, and a crash re-delivers (devices de-duplicate on message id; the inbox answers
 * `duplicate` for a message it holds or already gave out). The expiry sweep reports inbox entries
 * whose TTL ended.
 *
 * Ordering: a target's records share a partition (keyed by its account and device id) and are
 * handled one after another; different targets of a batch run concurrently under their priority's
 * limiter, and the deliveries they start together go out as one wave (DeliveryWaves: one call of
 * the port, so one registry lookup and one request per target edge).
 */
export class PushProcessor {
  private readonly limiters: Record<Priority, Limiter>;
  private readonly now: () => number;
  private readonly metrics?: ProcessorMetrics;
  private readonly lifecycle: RequestLifecycle;
  private readonly sweep: ExpirySweep;
  private subscription?: Subscription;
  /** Wakes retry waits when the processor stops, so stop() never waits out a backoff. */
  private stopping = stopSignal();

  constructor(private readonly opts: PushProcessorOptions) {
    this.limiters = {
      high: new Limiter(opts.concurrency.high),
      normal: new Limiter(opts.concurrency.normal),
      low: new Limiter(opts.concurrency.low),
    };
    this.now = opts.now ?? Date.now;
    this.metrics = opts.metrics?.(() => this.lag());
    this.lifecycle = new RequestLifecycle({
      delivery: new DeliveryWaves(opts.delivery, opts.deliveryWave),
      inbox: new InboxStoreWaves(opts.inbox),
      retry: opts.retry,
      defaultTtlSeconds: opts.defaultTtlSeconds,
      maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      logger: opts.logger,
      metrics: this.metrics,
      journal: opts.journal ?? NO_JOURNAL,
      now: this.now,
      sleep: (ms) => (opts.sleep ? opts.sleep(ms) : abortableSleep(ms, this.stopping.signal)),
      publishNow: (outcomes) => this.publishOutcomes(outcomes),
    });
    this.sweep = new ExpirySweep({
      inbox: opts.inbox,
      publish: (outcomes) => this.publishOutcomes(outcomes),
      intervalMs: opts.inboxSweepMs ?? DEFAULT_INBOX_SWEEP_MS,
      logger: opts.logger,
      metrics: this.metrics,
      journal: opts.journal ?? NO_JOURNAL,
      now: this.now,
    });
  }

  /**
   * The topics the processor reads and writes, with the partition counts it creates them with. The
   * topic log (its HTTP API publishes and broadcasts to it) has ONE partition whatever the config:
   * one total order and one offset space for every topic message (docs/architecture.md, "Topics").
   */
  topics(): TopicSpec[] {
    const p = this.opts.partitions;
    return [
      ...PRIORITIES.map((priority) => ({ name: Topics.pushRequests[priority], partitions: p[priority] })),
      { name: Topics.pushOutcomes, partitions: p.outcomes },
      { name: Topics.pushDlq, partitions: p.dlq },
      { name: TOPIC_LOG, partitions: 1 },
    ];
  }

  /**
   * Creates missing topics, joins the group and starts consuming, and starts the expiry sweep.
   * Resolves once the group's start offsets are resolved: every record enqueued after that is
   * handled, also by a new group starting at the newest records.
   */
  async start(): Promise<void> {
    this.stopping = stopSignal();
    await this.opts.bus.ensureTopics(this.topics());
    this.subscription = await this.opts.bus.subscribe({
      groupId: this.opts.groupId,
      topics: PRIORITIES.map((p) => Topics.pushRequests[p]),
      fromBeginning: this.opts.replay ?? false,
      partitionsConcurrently: this.opts.partitionsConcurrently,
      ...(this.opts.maxBatchSize ? { maxBatchSize: this.opts.maxBatchSize } : {}),
      handler: (records, ctx) => this.handleBatch(records, ctx),
    });
    this.sweep.start();
  }

  /**
   * Finishes the deliveries in hand, commits the batches they complete, and leaves the group; a
   * message waiting for a retry stops waiting and its batch stays uncommitted (the group's next
   * member takes it). Stops the sweep after writing what it took.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all([this.subscription?.stop(), this.sweep.stop()]);
    this.subscription = undefined;
  }

  /** One expiry sweep now (tests, and operators through the service): resolves when it is done. */
  sweepExpired(): Promise<void> {
    return this.sweep.sweepOnce();
  }

  /** What /readyz checks: the bus takes publishes (outcomes, dead letters) and this member is in its group. */
  readinessChecks(): BusDependencyCheck[] {
    return busReadinessChecks(this.opts.bus, () => this.subscription);
  }

  /** The group's lag per request partition (empty before start). */
  async lag(): Promise<PartitionLag[]> {
    return this.subscription ? this.subscription.lag() : [];
  }

  /** One partition's batch: deliver or store, then write outcomes and dead letters; resolving commits it. */
  async handleBatch(records: readonly ConsumedRecord[], ctx?: BatchContext): Promise<void> {
    if (records.length === 0) return;
    // A batch can take long (slow deliveries, an inbox that answers late). Without heartbeats the
    // group would count this member dead after its session timeout, hand the partition to a new
    // generation and refuse this batch's commit: the batch would be handled — and its outcomes
    // published — a second time.
    const keepAlive = ctx ? setInterval(() => void ctx.heartbeat().catch(() => undefined), BATCH_HEARTBEAT_MS) : undefined;
    keepAlive?.unref();
    try {
      await this.handlePlannedBatch(records, ctx);
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async handlePlannedBatch(records: readonly ConsumedRecord[], ctx?: BatchContext): Promise<void> {
    const priority = priorityOfTopic.get(records[0]!.topic) ?? 'normal';
    const plan = planBatch(records);
    const limiter = this.limiters[priority];
    const handled: Handled[] = [];
    // The labelled child once per batch, not a label lookup twice per message.
    const inFlight = this.metrics?.inFlight.labels({ priority });
    // allSettled, not all: a rejection must wait for the other targets' deliveries, or the batch
    // would come again while they still run (two deliveries to one target at once, out of order).
    const settled = await Promise.allSettled(
      [...plan.byTarget.values()].map((requests) =>
        limiter.run(async () => {
          for (const planned of requests) {
            inFlight?.inc();
            try {
              handled.push(await traceRequest(planned, () => this.lifecycle.handle(planned, priority, ctx)));
            } finally {
              inFlight?.dec();
            }
          }
        }),
      ),
    );
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    const deadLetters = [
      ...plan.invalid.map((i) => this.invalidLetter(i)),
      ...handled.flatMap((h) => (h.deadLetter ? [h.deadLetter] : [])),
    ];
    // Outcomes and dead letters are written before the batch resolves: a failed write rejects,
    // nothing is committed, and the batch comes again.
    await Promise.all([
      this.publishOutcomes(
        handled.flatMap((h) => h.outcomes),
        priority,
      ),
      deadLetters.length
        ? this.opts.bus.publish(
            Topics.pushDlq,
            deadLetters.map((d) => json(d.key ?? '', d)),
          )
        : undefined,
    ]);
    for (const d of deadLetters) this.metrics?.deadLetters.inc({ reason: d.reason });
    if (plan.invalid.length)
      this.opts.logger.warn(
        { count: plan.invalid.length, topic: records[0]!.topic, partition: records[0]!.partition },
        'invalid push requests dead-lettered',
      );
  }

  private invalidLetter({ record, detail }: InvalidRecord): DeadLetterRecord {
    return deadLetterOf(record, 'invalid_record', detail, this.now());
  }

  /** Writes outcome records, keyed by target device (one partition per device keeps each one's in order). */
  private async publishOutcomes(outcomes: readonly PushOutcomeRecord[], priority?: Priority): Promise<void> {
    if (outcomes.length === 0) return;
    await this.opts.bus.publish(
      Topics.pushOutcomes,
      outcomes.map((o) => json(deviceRefKey(o.target), o)),
    );
    this.metrics?.countOutcomes(outcomes, priority);
  }
}

const json = (key: string, value: unknown): BusMessage => ({ key, value: JSON.stringify(value) });

/**
 * The controller whose abort wakes every retry wait: one listener per message waiting, and with
 * hundreds of targets in flight that is far more than Node's default warning threshold of 10.
 */
function stopSignal(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Resolves after `ms`, or at once when `signal` aborts (the waiter then sees it is stopping). */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done);
  });
}
