import { deadLetterOf, type BatchContext } from '@pushwire/event-bus';
import {
  checkCreatedAt,
  createdAtProblem,
  finalStage,
  inboxOutcome,
  PushwireError,
  type DeadLetterRecord,
  type InboxEntry,
  type OutcomeStatus,
  type Priority,
  type PushMessage,
  type PushOutcomeRecord,
  type PushTarget,
} from '@pushwire/protocol';
import type { InboxClient } from '@pushwire/registry-client';
import { LogThrottle, traceparentField, type JournalRecorder, type Logger } from '@pushwire/service-kit';
import type { PlannedRequest } from './batch-plan';
import type { DeliveryAttempt, DeliveryPort } from './delivery-port';
import { payloadNeverFits } from '@pushwire/push-client';
import type { ProcessorMetrics } from './processor-metrics';
import { backoffMs, isInboxable, isTransient, storeRetryMs, type RetryPolicy } from './retry-policy';
import { mayHaveStored } from './store-ambiguity';

/** What handling one request produced: outcomes to write with its batch, and a dead letter. */
export interface Handled {
  /** Outcomes written with the batch (a `stored` one is written at once, before the race-closure delivery). */
  readonly outcomes: PushOutcomeRecord[];
  readonly deadLetter?: DeadLetterRecord;
}

/** Thrown when the processor stops while a message waits for a retry: the batch stays uncommitted and comes again. */
export class StoppingError extends Error {
  override readonly name = 'StoppingError';
}

export interface RequestLifecycleDeps {
  readonly delivery: DeliveryPort;
  readonly inbox: InboxClient;
  readonly retry: RetryPolicy;
  readonly defaultTtlSeconds: number;
  readonly maxMessageBytes: number;
  readonly logger: Logger;
  readonly metrics?: ProcessorMetrics;
  /** Where each message's dequeue, final outcome and dead letter are recorded (pushctl trace). */
  readonly journal: JournalRecorder;
  readonly now: () => number;
  /** Resolves after `ms`, or early (false) when the processor stops. */
  readonly sleep: (ms: number) => Promise<unknown>;
  /** Writes outcomes now (the `stored` outcome, and `collapsed` of the entry it replaced). */
  readonly publishNow: (outcomes: PushOutcomeRecord[]) => Promise<void>;
}

/**
 * One queued message from its record to its outcome (docs/architecture.md, "Inbox"):
 * - delivered / acknowledged / ack_timeout / rejected / forbidden: final, as the edge answered;
 * - not deliverable now — `not_connected` at once, `gone` / `backpressure` / `unavailable` /
 *   `rate_limited` after `quickAttempts` — → stored in the device's inbox: outcome `stored` (not
 *   final; the edge reports delivered/acknowledged, the expiry sweep `expired`), `collapsed` for
 *   the entry it replaced, `overflow` (final) when the inbox is full;
 * - the inbox cannot be reached either: delivery and storing are tried again, backoff capped, until
 *   the TTL ends → `expired` with a dead letter `expired_while_unavailable`;
 * - a store that failed ambiguously (timed out, 5xx: it may have committed) makes the message
 *   "maybe stored": no final outcome from a delivery any more (those deliveries are `inboxed`, so
 *   an edge that delivers takes the entry out and reports), only from storing it again, past its TTL
 *   if need be, until the inbox answers (`duplicate`: someone else's outcome; `expired`, `overflow`:
 *   it never held it; `stored`: it holds it now).
 * Race closure: after storing, a fresh lookup and a delivery marked `inboxed` — either the edge's
 * inbox read on (re)connect sees the entry, or this delivery sees the registration.
 */
export class RequestLifecycle {
  /** An inbox outage fails every undeliverable message every few seconds: a few lines a minute say so (metrics count them all). */
  private readonly storeFailures = new LogThrottle();
  private readonly raceFailures = new LogThrottle();

  constructor(private readonly deps: RequestLifecycleDeps) {}

  async handle(planned: PlannedRequest, priority: Priority, ctx?: BatchContext): Promise<Handled> {
    const { request, record } = planned;
    const { now, journal } = this.deps;
    journal.record('dequeued', request.message.id, request.target, { priority, partition: record.partition, offset: record.offset });
    // The TTL runs from when the sender created the message, not from when it was enqueued.
    const start = request.message.createdAt ?? request.enqueuedAt;
    const ttlSeconds = request.message.ttlSeconds ?? this.deps.defaultTtlSeconds;
    const deadline = start + ttlSeconds * 1000;
    if (planned.collapsedBy)
      return this.ended(planned, priority, 'collapsed', 0, {
        detail: `replaced by message ${planned.collapsedBy} with the same collapse key`,
      });
    // Messages no delivery can help: one that would never expire, one no device frame can hold.
    if (checkCreatedAt(start, now()) === 'future')
      return this.ended(planned, priority, 'rejected', 0, { detail: createdAtProblem('future', start, now()) });
    const tooLarge = this.payloadNeverFits(planned);
    if (tooLarge) return this.ended(planned, priority, 'rejected', 0, { detail: tooLarge });
    if (now() >= deadline) return this.ended(planned, priority, 'expired', 0);
    // The first attempt — for most messages the only one — without the retry machinery's state:
    // the processor's CPU per message is on the queued path's critical path (docs/benchmarks/queue.md).
    const first = await this.attempt(request.target, { ...request.message, priority }, priority, deadline);
    if (!isInboxable(first.status)) return this.ended(planned, priority, first.status, 1, detailOf(first));
    return this.retryOrStore(planned, priority, ctx, first, deadline, ttlSeconds);
  }

  /** The final outcome `status` of `planned`, recorded in the journal. */
  private ended(
    planned: PlannedRequest,
    priority: Priority,
    status: OutcomeStatus,
    attempts: number,
    extra?: Partial<PushOutcomeRecord>,
  ): Handled {
    return { outcomes: [this.outcome(planned, priority, status, attempts, extra)] };
  }

  private outcome(
    { request }: PlannedRequest,
    priority: Priority,
    status: OutcomeStatus,
    attempts: number,
    extra?: Partial<PushOutcomeRecord>,
  ): PushOutcomeRecord {
    const completedAt = this.deps.now();
    this.deps.journal.record(finalStage(status), request.message.id, request.target, {
      status,
      attempts,
      edgeId: extra?.edgeId,
      reason: extra?.detail,
    });
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
  }

  /**
   * Why the payload can never fit a device frame, or undefined. A record whose whole JSON text is
   * far below the limit cannot hold such a payload (re-encoding a parsed value grows it only by
   * spelling out numbers such as 1e20, at most ~6x; bytes are at most 3x characters), so the
   * payload is serialised again only for records near the limit.
   */
  private payloadNeverFits({ request, record }: PlannedRequest): string | undefined {
    const max = this.deps.maxMessageBytes;
    if (typeof record.value === 'string' && record.value.length * 3 * 8 <= max) return undefined;
    return payloadNeverFits(request.message.payload, max);
  }

  /** After a first attempt that did not end the message: quick retries, the inbox, and the rounds while even the inbox is down. */
  private async retryOrStore(
    planned: PlannedRequest,
    priority: Priority,
    ctx: BatchContext | undefined,
    first: DeliveryAttempt,
    deadline: number,
    ttlSeconds: number,
  ): Promise<Handled> {
    const { request, record } = planned;
    const { now, journal } = this.deps;
    const start = request.message.createdAt ?? request.enqueuedAt;
    const message = { ...request.message, priority, createdAt: start, ttlSeconds };
    const { retry } = this.deps;
    let attempts = 1;
    let last: DeliveryAttempt = first;
    // Set once a round could not store the message: from then on, whenever the TTL ends — at the
    // store or in a later round's quick retries — it ended while undeliverable AND the inbox was down.
    let storeFailure: string | undefined;
    const expired = (): Handled => {
      if (storeFailure === undefined) return this.ended(planned, priority, 'expired', attempts, detailOf(last));
      journal.record('dead_lettered', message.id, request.target, { reason: 'expired_while_unavailable' });
      const detail = `TTL ended while undeliverable (last status ${last.status}${last.detail ? `: ${last.detail}` : ''}) and the inbox unavailable (${storeFailure})`;
      return {
        outcomes: [this.outcome(planned, priority, 'expired', attempts, { ...detailOf(last), detail: detail.slice(0, 1000) })],
        deadLetter: deadLetterOf(record, 'expired_while_unavailable', detail, now(), { messageId: message.id, attempts }),
      };
    };
    // Set once a store failed in a way that may have stored the entry all the same (a timeout: the
    // registry committed and answered too late). From then on the entry may be in the inbox, and
    // whoever takes it out reports the final outcome: this message's deliveries are `inboxed` (the
    // edge takes the entry out if it is there) and end nothing here; only the inbox's answer to
    // storing it again — the same message id collapses to `duplicate` — says whose outcome it is.
    let maybeStored = false;
    for (let round = 1; ; round++) {
      if (maybeStored) {
        if (now() < deadline) {
          last = await this.attempt(request.target, message, priority, deadline, { inboxed: true });
          attempts++;
        }
      } else {
        // Delivery now, with a few quick retries for what may pass in a moment.
        for (let quick = 1; ; quick++) {
          // The first round's first attempt is `first`, made by handle().
          if (round > 1 || quick > 1) {
            if (now() >= deadline) return expired();
            last = await this.attempt(request.target, { ...request.message, priority }, priority, deadline);
            attempts++;
          }
          if (!isInboxable(last.status)) return this.ended(planned, priority, last.status, attempts, detailOf(last));
          if (!isTransient(last.status) || quick >= retry.quickAttempts) break;
          const wait = backoffMs(retry, quick, last.retryAfterMs);
          if (now() + wait >= deadline) return expired();
          await this.pause(wait, ctx);
        }
      }
      // Not deliverable now: into the device's inbox, until it connects or the TTL ends.
      const entry: InboxEntry = {
        target: { accountId: request.target.accountId, deviceId: request.target.deviceId },
        message,
        enqueuedAt: request.enqueuedAt,
        expiresAt: deadline,
        storedAt: now(),
        source: 'queued',
        ...(request.collapseKey !== undefined ? { collapseKey: request.collapseKey } : {}),
        attempts,
        ...traceparentField(), // its delivery from the inbox, later, joins this trace
      };
      try {
        const [result] = await this.deps.inbox.store([entry]);
        this.deps.metrics?.inboxStores.inc({ result: result?.outcome ?? 'none' });
        switch (result?.outcome) {
          case 'stored':
            await this.stored(entry, result.replaced);
            return { outcomes: [] };
          case 'duplicate':
            // In the inbox already (a record that came again), or taken out with its final outcome
            // reported (a replay): either way this message's outcomes are someone else's to write.
            return { outcomes: [] };
          case 'overflow':
            return this.ended(planned, priority, 'overflow', attempts, {
              detail: `the inbox of this device is full; last delivery status ${last.status}`,
            });
          case 'expired':
            return expired();
          default:
            throw new Error(`inbox store answered ${JSON.stringify(result)} for message ${message.id}`);
        }
      } catch (err) {
        if (!(err instanceof PushwireError)) throw err; // a bug, not an outage: the batch comes again
        this.deps.metrics?.inboxStores.inc({ result: 'failed' });
        storeFailure = `${err.code}: ${err.message}`;
        if (mayHaveStored(err)) maybeStored = true;
        const line = this.storeFailures.take();
        if (line)
          this.deps.logger.warn(
            { err, messageId: message.id, round, maybeStored, suppressed: line.suppressed },
            maybeStored
              ? 'an inbox store failed and may have stored the message; storing it again until the inbox answers'
              : 'could not store an undeliverable message; retrying until its TTL ends',
          );
      }
      const wait = storeRetryMs(retry, round);
      // A message maybe stored is asked for again past its TTL: the inbox then answers `duplicate`
      // (it holds the entry or gave it out: someone else reports) or `expired` (it never got it).
      if (!maybeStored && now() + wait >= deadline) return expired();
      await this.pause(wait, ctx);
    }
  }

  /** Writes `stored` (and `collapsed` for the entry it replaced), then closes the race with a device connecting meanwhile. */
  private async stored(entry: InboxEntry, replaced: InboxEntry | undefined): Promise<void> {
    const at = this.deps.now();
    const outcomes = [inboxOutcome(entry, 'stored', at)];
    if (replaced)
      outcomes.push(
        inboxOutcome(replaced, 'collapsed', at, { detail: `replaced by message ${entry.message.id} with the same collapse key` }),
      );
    // Written before the race-closure delivery, so the edge's final outcome normally follows it.
    await this.deps.publishNow(outcomes);
    const remaining = Math.max(1, Math.ceil((entry.expiresAt - at) / 1000));
    try {
      const r = await this.deps.delivery.deliver(entry.target, { ...entry.message, ttlSeconds: remaining }, { inboxed: true });
      this.deps.metrics?.raceClosures.inc({ status: r.status });
    } catch (err) {
      // The entry is stored: the device gets it when it connects. A failure here loses nothing.
      const line = this.raceFailures.take();
      if (line)
        this.deps.logger.warn(
          { err, messageId: entry.message.id, suppressed: line.suppressed },
          'race-closure delivery of a stored message failed',
        );
    }
  }

  /** One delivery attempt of `message` with the TTL left until `deadline` (at least 1 s), counted by status. */
  private async attempt(
    target: PushTarget,
    message: PushMessage,
    priority: Priority,
    deadline: number,
    opts?: { inboxed: true },
  ): Promise<DeliveryAttempt> {
    const ttlSeconds = Math.max(1, Math.ceil((deadline - this.deps.now()) / 1000));
    const result = await this.deps.delivery.deliver(target, { ...message, ttlSeconds }, opts);
    this.deps.metrics?.attempts.inc({ priority, status: result.status });
    return result;
  }

  /** Waits before a retry, keeping the group membership alive; stopping leaves the batch to the next member. */
  private async pause(ms: number, ctx?: BatchContext): Promise<void> {
    await ctx?.heartbeat();
    if (ctx && !ctx.isRunning()) throw new StoppingError('the processor is stopping');
    await this.deps.sleep(ms);
    if (ctx && !ctx.isRunning()) throw new StoppingError('the processor is stopping');
  }
}

/** An outcome's edge and detail from a delivery attempt (the detail cut to the record's bound). */
function detailOf(r: DeliveryAttempt): Partial<PushOutcomeRecord> {
  if (!r.edgeId && !r.detail) return {};
  return {
    ...(r.edgeId ? { edgeId: r.edgeId } : {}),
    ...(r.detail ? { detail: r.detail.slice(0, 1000) } : {}),
  };
}
