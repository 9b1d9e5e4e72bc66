import type { BusMessage, EventBus } from '@pushwire/event-bus/core';
import { deviceRefKey, Topics, Validators, type PushRequestRecord, type PushTarget, type JournalRecorder } from '@pushwire/protocol';
import { PushClientError } from './errors';
import { buildMessage, validate } from './message';
import type { ResolvedOptions, SendOptions } from './options';
import { deadlineOf, publishWithin } from './publish-retry';
import { batchSpan, messageSpan, SpanKind, traceHeaders } from './tracing';

/**
 * Per-message options of `enqueue`: those of `send` (but `storeIfOffline`: the message processor
 * stores what it cannot deliver anyway), plus a collapse key and the enqueue deadline.
 */
export interface EnqueueOptions extends Omit<SendOptions, 'storeIfOffline'> {
  /**
   * Of several not-yet-delivered messages to one target with this key, only the newest is delivered
   * (the others end as `collapsed`). Default: none, every message is delivered.
   */
  collapseKey?: string;
  /** How long to keep trying while the bus is down, for this call. Default: the client's `enqueueTimeoutMs` (10 000 ms). */
  enqueueTimeoutMs?: number;
}

/** Options of one `enqueueMany` call. */
export interface EnqueueManyOptions {
  /** How long to keep trying while the bus is down. Default: the client's `enqueueTimeoutMs` (10 000 ms). */
  enqueueTimeoutMs?: number;
}

/** Where an enqueued message went: its id (to match its outcome record) and the topic it is on. */
export interface EnqueueResult {
  messageId: string;
  topic: string;
}

/** One item of `enqueueMany` (whose deadline is the call's, EnqueueManyOptions). */
export interface EnqueueItem {
  target: PushTarget;
  payload: unknown;
  options?: Omit<EnqueueOptions, 'enqueueTimeoutMs'>;
}

/**
 * One item of `enqueueMany`'s answer: on the bus, or kept off it by `error`. `messageId` and `topic`
 * are there when the item was valid (a refused publish), so a retry can reuse the id.
 */
export type EnqueueManyResult = EnqueueResult | { error: PushClientError; messageId?: string; topic?: string };

/**
 * Builds the record of one indirect push and validates it, so a bad target, TTL or collapse key is
 * the caller's `invalid_message` now rather than a dead-lettered record later. The message carries
 * its priority explicitly (default normal): the record says what the topic it is published to says.
 */
export function buildPushRequest(
  target: PushTarget,
  payload: unknown,
  opts: EnqueueOptions | undefined,
  options: Pick<ResolvedOptions, 'now' | 'newId'>,
): { topic: string; record: PushRequestRecord } {
  if ((opts as SendOptions | undefined)?.storeIfOffline !== undefined) {
    // A JavaScript caller can pass it: say it does nothing here rather than ignore it.
    throw new PushClientError(
      'invalid_message',
      'storeIfOffline is for direct push; the message processor stores what it cannot deliver',
      false,
    );
  }
  const priority = opts?.priority ?? 'normal';
  const now = options.now(); // enqueuedAt, and createdAt unless the caller gives one
  const message = buildMessage(payload, { ...opts, priority }, { now: () => now, newId: options.newId });
  const record: PushRequestRecord = {
    v: 1,
    target,
    message,
    enqueuedAt: now,
    ...(opts?.collapseKey !== undefined ? { collapseKey: opts.collapseKey } : {}),
  };
  validate(() => Validators.pushRequestRecord.decode(record), 'push request');
  return { topic: Topics.pushRequests[priority], record };
}

/**
 * Indirect push: turns messages into push-request records and publishes them, keyed by the target
 * device (`<accountId>/<deviceId>`) so one device's messages stay in order. Durability (acks,
 * idempotence) is the bus's job; riding out its outages within the caller's deadline is ours
 * (publishWithin).
 */
export class Enqueuer {
  constructor(
    private readonly bus: EventBus | undefined,
    private readonly options: Pick<ResolvedOptions, 'now' | 'newId' | 'enqueueTimeoutMs' | 'journal'>,
  ) {}

  async enqueue(target: PushTarget, payload: unknown, opts?: EnqueueOptions): Promise<EnqueueResult> {
    const bus = this.requireBus();
    const timeoutMs = this.timeoutOf(opts);
    const { topic, record } = buildPushRequest(target, payload, opts, this.options);
    return messageSpan(
      'pushwire enqueue',
      SpanKind.PRODUCER,
      record.message.id,
      target,
      () => this.publishOne(bus, topic, record, timeoutMs),
      () => 'queued',
    );
  }

  private async publishOne(bus: EventBus, topic: string, record: PushRequestRecord, timeoutMs: number): Promise<EnqueueResult> {
    await publish(bus, topic, [record], timeoutMs);
    accepted(this.options.journal, record);
    return { messageId: record.message.id, topic };
  }

  /** Validates every item, then publishes the valid ones with one call per priority topic, in parallel. */
  async enqueueMany(items: readonly EnqueueItem[], opts?: EnqueueManyOptions): Promise<EnqueueManyResult[]> {
    return batchSpan('pushwire enqueueMany', items.length, () => this.enqueueEach(items, opts));
  }

  private async enqueueEach(items: readonly EnqueueItem[], opts?: EnqueueManyOptions): Promise<EnqueueManyResult[]> {
    const bus = this.requireBus();
    const timeoutMs = this.timeoutOf(opts);
    const results: EnqueueManyResult[] = new Array(items.length);
    const byTopic = new Map<string, { index: number; record: PushRequestRecord }[]>();
    items.forEach(({ target, payload, options }, index) => {
      try {
        const { topic, record } = buildPushRequest(target, payload, options, this.options);
        let group = byTopic.get(topic);
        if (!group) byTopic.set(topic, (group = []));
        group.push({ index, record });
      } catch (e) {
        if (!(e instanceof PushClientError)) throw e;
        results[index] = { error: e, ...(options?.id !== undefined ? { messageId: options.id } : {}) };
      }
    });
    await Promise.all(
      [...byTopic].map(async ([topic, group]) => {
        let error: PushClientError | undefined;
        try {
          await publish(
            bus,
            topic,
            group.map((g) => g.record),
            timeoutMs,
          );
        } catch (e) {
          if (!(e instanceof PushClientError)) throw e;
          error = e;
        }
        for (const { index, record } of group) {
          results[index] = { messageId: record.message.id, topic, ...(error ? { error } : {}) };
          if (!error) accepted(this.options.journal, record);
        }
      }),
    );
    return results;
  }

  /** The call's deadline, or the client's; a bad one is the caller's error, never a bus outage. */
  private timeoutOf(opts: { enqueueTimeoutMs?: number } | undefined): number {
    return deadlineOf('enqueueTimeoutMs', opts?.enqueueTimeoutMs ?? this.options.enqueueTimeoutMs);
  }

  private requireBus(): EventBus {
    if (this.bus) return this.bus;
    throw new PushClientError(
      'not_configured',
      'indirect push needs an event bus: create the PushClient with `bus` (a KafkaEventBus in a cluster)',
      false,
    );
  }
}

/**
 * Publishes within the deadline (publishWithin): a bus failure becomes the caller's `unavailable`,
 * with it as cause. Each record carries the enqueue's W3C trace context in its headers, so the
 * processor's span for it joins the sender's trace.
 */
async function publish(bus: EventBus, topic: string, records: PushRequestRecord[], timeoutMs: number): Promise<void> {
  const trace = traceHeaders();
  const messages: BusMessage[] = records.map((r) => ({ key: deviceRefKey(r.target), value: JSON.stringify(r), ...trace }));
  await publishWithin(bus, topic, messages, { timeoutMs, messageIds: records.map((r) => r.message.id) });
}

/** Records `accepted` at the record's enqueue time: an in-memory bus may hand it to the processor before the publish resolves. */
const accepted = (journal: JournalRecorder | undefined, r: PushRequestRecord) =>
  journal?.record('accepted', r.message.id, r.target, { priority: r.message.priority ?? 'normal' }, r.enqueuedAt);
