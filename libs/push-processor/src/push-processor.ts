import {
  deadLetterOf,
  type BatchContext,
  type BusMessage,
  type ConsumedRecord,
  type EventBus,
  type PartitionLag,
  type Subscription,
  type TopicSpec,
} from '@pushwire/event-bus';
import {
  checkCreatedAt,
  createdAtProblem,
  DEFAULT_MAX_MESSAGE_BYTES,
  deviceRefKey,
  Topics,
  type DeadLetterRecord,
  type OutcomeStatus,
  type Priority,
  type PushOutcomeRecord,
} from '@pushwire/protocol';
import type { Logger } from '@pushwire/service-kit';
import { planBatch, type InvalidRecord, type PlannedRequest } from './batch-plan';
import type { DeliveryPort } from './delivery-port';
import { Limiter } from './limiter';
import { payloadNeverFits } from './payload-limit';
import type { ProcessorMetrics } from './processor-metrics';
import { backoffMs, isTransient, type RetryPolicy } from './retry-policy';

const PRIORITIES: readonly Priority[] = ['high', 'normal', 'low'];
const priorityOfTopic = new Map<string, Priority>(PRIORITIES.map((p) => [Topics.pushRequests[p], p]));

export interface PushProcessorOptions {
  readonly bus: EventBus;
  readonly delivery: DeliveryPort;
  /** Consumer group over the three request topics. */
  readonly groupId: string;
  /** Messages delivered at once per priority (shared by all partitions of that priority). */
  readonly concurrency: Readonly<Record<Priority, number>>;
  readonly retry: RetryPolicy;
  /** TTL of messages that carry none. */
  readonly defaultTtlSeconds: number;
  /** The edges' largest frame: a payload larger can never be delivered and ends `rejected` at once. Default 64 KiB. */
  readonly maxMessageBytes?: number;
  /** Partition counts the topics are created with (existing topics are left alone). */
  readonly partitions: Readonly<Record<Priority | 'outcomes' | 'dlq', number>>;
  /** Partitions handled at once; keep it ≥ the number of request partitions so no priority waits on another. */
  readonly partitionsConcurrently: number;
  readonly logger: Logger;
  /** Built with this processor's `lag`, so the caller registers it on its metrics registry. */
  readonly metrics?: (lag: () => Promise<PartitionLag[]>) => ProcessorMetrics;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What handling one request produced: its outcome, and a dead letter when retries ran out. */
interface Handled {
  readonly outcome: PushOutcomeRecord;
  readonly deadLetter?: DeadLetterRecord;
}

/**
 * Indirect push: consumes `pushwire.push-requests.high|normal|low` in one consumer group and
 * delivers each message the way direct push does, retrying transient failures with backoff and a
 * fresh lookup. Every record ends with an outcome on `pushwire.push-outcomes` (invalid and
 * exhausted ones also on `pushwire.push-dlq`), and a batch's offsets are committed only after its
 * outcomes are written: at-least-once, and a crash re-delivers (devices de-duplicate on message id).
 *
 * Ordering: a target's records share a partition (keyed by its account and device id) and are
 * handled one after another; different targets of a batch run concurrently under their priority's
 * limiter.
 */
export class PushProcessor {
  private readonly limiters: Record<Priority, Limiter>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly metrics?: ProcessorMetrics;
  private subscription?: Subscription;

  constructor(private readonly opts: PushProcessorOptions) {
    this.limiters = {
      high: new Limiter(opts.concurrency.high),
      normal: new Limiter(opts.concurrency.normal),
      low: new Limiter(opts.concurrency.low),
    };
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.metrics = opts.metrics?.(() => this.lag());
  }

  /** The topics the processor reads and writes, with the partition counts it creates them with. */
  topics(): TopicSpec[] {
    const p = this.opts.partitions;
    return [
      ...PRIORITIES.map((priority) => ({ name: Topics.pushRequests[priority], partitions: p[priority] })),
      { name: Topics.pushOutcomes, partitions: p.outcomes },
      { name: Topics.pushDlq, partitions: p.dlq },
    ];
  }

  /** Creates missing topics, then joins the group and starts consuming. */
  async start(): Promise<void> {
    await this.opts.bus.ensureTopics(this.topics());
    this.subscription = await this.opts.bus.subscribe({
      groupId: this.opts.groupId,
      topics: PRIORITIES.map((p) => Topics.pushRequests[p]),
      partitionsConcurrently: this.opts.partitionsConcurrently,
      handler: (records, ctx) => this.handleBatch(records, ctx),
    });
  }

  /** Finishes the batches in hand, commits them, and leaves the group. */
  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /** The group's lag per request partition (empty before start). */
  async lag(): Promise<PartitionLag[]> {
    return this.subscription ? this.subscription.lag() : [];
  }

  /** One partition's batch: deliver, then write outcomes and dead letters; resolving commits it. */
  async handleBatch(records: readonly ConsumedRecord[], _ctx?: BatchContext): Promise<void> {
    if (records.length === 0) return;
    const priority = priorityOfTopic.get(records[0]!.topic) ?? 'normal';
    const plan = planBatch(records);
    const limiter = this.limiters[priority];
    const handled: Handled[] = [];
    // allSettled, not all: a rejection must wait for the other targets' deliveries, or the batch
    // would come again while they still run (two deliveries to one target at once, out of order).
    const settled = await Promise.allSettled(
      [...plan.byTarget.values()].map((requests) =>
        limiter.run(async () => {
          for (const planned of requests) handled.push(await this.handleRequest(planned, priority));
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
      handled.length
        ? this.opts.bus.publish(
            Topics.pushOutcomes,
            handled.map((h) => json(deviceRefKey(h.outcome.target), h.outcome)),
          )
        : undefined,
      deadLetters.length
        ? this.opts.bus.publish(
            Topics.pushDlq,
            deadLetters.map((d) => json(d.key ?? '', d)),
          )
        : undefined,
    ]);
    for (const d of deadLetters) this.metrics?.deadLetters.inc({ reason: d.reason });
    for (const { outcome } of handled) {
      this.metrics?.outcomes.inc({ priority, status: outcome.status });
      this.metrics?.endToEnd.observe({ priority }, outcome.latencyMs / 1000);
    }
    if (plan.invalid.length)
      this.opts.logger.warn(
        { count: plan.invalid.length, topic: records[0]!.topic, partition: records[0]!.partition },
        'invalid push requests dead-lettered',
      );
  }

  private async handleRequest(planned: PlannedRequest, priority: Priority): Promise<Handled> {
    const { request, record } = planned;
    // The TTL runs from when the sender created the message, not from when it was enqueued.
    const start = request.message.createdAt ?? request.enqueuedAt;
    const deadline = start + (request.message.ttlSeconds ?? this.opts.defaultTtlSeconds) * 1000;
    const finish = (status: OutcomeStatus, attempts: number, extra: Partial<PushOutcomeRecord> = {}): PushOutcomeRecord => {
      const completedAt = this.now();
      return {
        v: 1,
        messageId: request.message.id,
        target: request.target,
        priority,
        status,
        attempts,
        latencyMs: Math.max(0, completedAt - request.enqueuedAt),
        enqueuedAt: request.enqueuedAt,
        completedAt,
        ...extra,
      };
    };
    if (planned.collapsedBy)
      return { outcome: finish('collapsed', 0, { detail: `replaced by message ${planned.collapsedBy} with the same collapse key` }) };
    // Messages no delivery can help: one that would never expire, one no device frame can hold.
    if (checkCreatedAt(start, this.now()) === 'future')
      return { outcome: finish('rejected', 0, { detail: createdAtProblem('future', start, this.now()) }) };
    const tooLarge = payloadNeverFits(request.message.payload, this.opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    if (tooLarge) return { outcome: finish('rejected', 0, { detail: tooLarge }) };

    this.metrics?.inFlight.inc({ priority });
    try {
      for (let attempts = 1; ; attempts++) {
        const now = this.now();
        if (now >= deadline) return { outcome: finish('expired', attempts - 1) };
        const ttlSeconds = Math.max(1, Math.ceil((deadline - now) / 1000));
        const result = await this.opts.delivery.deliver(request.target, { ...request.message, priority, ttlSeconds });
        this.metrics?.attempts.inc({ priority, status: result.status });
        const extra = {
          ...(result.edgeId ? { edgeId: result.edgeId } : {}),
          ...(result.detail ? { detail: result.detail.slice(0, 1000) } : {}),
        };
        if (!isTransient(result.status)) return { outcome: finish(result.status, attempts, extra) };
        if (attempts >= this.opts.retry.maxAttempts) {
          const detail = `${attempts} attempts; last status ${result.status}${result.detail ? ` (${result.detail})` : ''}`.slice(0, 1000);
          return {
            outcome: finish('dead_lettered', attempts, { ...extra, detail }),
            deadLetter: this.letter(record, 'retries_exhausted', detail, { messageId: request.message.id, attempts }),
          };
        }
        const wait = backoffMs(this.opts.retry, attempts, result.retryAfterMs);
        if (this.now() + wait >= deadline) return { outcome: finish('expired', attempts, extra) };
        await this.sleep(wait);
      }
    } finally {
      this.metrics?.inFlight.dec({ priority });
    }
  }

  private invalidLetter({ record, detail }: InvalidRecord): DeadLetterRecord {
    return this.letter(record, 'invalid_record', detail);
  }

  private letter(
    record: ConsumedRecord,
    reason: DeadLetterRecord['reason'],
    detail: string,
    extra: Partial<Pick<DeadLetterRecord, 'messageId' | 'attempts'>> = {},
  ): DeadLetterRecord {
    return deadLetterOf(record, reason, detail, this.now(), extra);
  }
}

const json = (key: string, value: unknown): BusMessage => ({ key, value: JSON.stringify(value) });
