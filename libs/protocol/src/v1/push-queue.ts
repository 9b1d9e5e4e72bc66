import { Type, type Static } from '@sinclair/typebox';
import { DELIVERY_STATUSES } from './codes';
import { DeviceRef, EdgeId, EpochMillis, MessageId, Priority } from './ids';
import { PushMessage } from './internal-api';

// Records of indirect push on the event bus (Kafka topics, or the in-memory bus of `npm start`).
// Every record value is one JSON document; its key is the target's deviceRefKey, `<accountId>/<deviceId>`
// (per-target ordering).

const strict = { additionalProperties: false } as const;

/** Topic names, one per priority for requests, plus outcomes, dead letters and connection events. */
export const Topics = {
  pushRequests: { high: 'pushwire.push-requests.high', normal: 'pushwire.push-requests.normal', low: 'pushwire.push-requests.low' },
  pushOutcomes: 'pushwire.push-outcomes',
  pushDlq: 'pushwire.push-dlq',
  deviceConnections: 'pushwire.device-connections',
  /** Connection events the device list could not read, kept verbatim with the reason (DeadLetterRecord). */
  deviceConnectionsDlq: 'pushwire.device-connections-dlq',
} as const;

/**
 * Who an enqueued message is for: one device of one account (the record key is its deviceRefKey).
 * The account is required: a device id alone never routes across accounts.
 */
export const PushTarget = DeviceRef;
export type PushTarget = Static<typeof PushTarget>;

/** A longest collapse key: senders use short ones ("score-update", "profile"). */
export const MAX_COLLAPSE_KEY_LENGTH = 128;

/**
 * One message to deliver indirectly (value of `pushwire.push-requests.<priority>`). The message
 * carries its id, priority and TTL; `enqueuedAt` starts the TTL and the latency clock.
 * `collapseKey`: of several not-yet-delivered messages to one target with the same key, only the
 * newest is delivered; the older ones end as `collapsed`.
 */
export const PushRequestRecord = Type.Object(
  {
    v: Type.Literal(1),
    target: PushTarget,
    message: PushMessage,
    enqueuedAt: EpochMillis,
    collapseKey: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_COLLAPSE_KEY_LENGTH })),
  },
  strict,
);
export type PushRequestRecord = Static<typeof PushRequestRecord>;

/**
 * Status of an indirect push (or of a direct push that was stored): a delivery status, or
 * `collapsed` (a newer message with the same collapse key replaced it) or `dead_lettered` (an
 * invalid record; it is in the DLQ). Every status is final except `stored`: a stored message gets
 * exactly one later outcome — `delivered` / `acknowledged` when a device took it from its inbox,
 * `expired` when its TTL ended first, `collapsed` when a newer one with its collapse key replaced it.
 */
export const OUTCOME_STATUSES = [...DELIVERY_STATUSES, 'collapsed', 'dead_lettered'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

/** Whether an outcome is a message's last: every status but `stored`. */
export function isFinalOutcome(status: OutcomeStatus): boolean {
  return status !== 'stored';
}

/** Where a message came from: an enqueued (indirect) push, or a direct push sent with `storeIfOffline`. */
export const MessageSource = Type.Union([Type.Literal('queued'), Type.Literal('direct')]);
export type MessageSource = Static<typeof MessageSource>;

/** What became of one enqueued message (value of `pushwire.push-outcomes`, key = the target's deviceRefKey). */
export const PushOutcomeRecord = Type.Object(
  {
    v: Type.Literal(1),
    messageId: MessageId,
    target: PushTarget,
    priority: Priority,
    status: Type.Union(OUTCOME_STATUSES.map((s) => Type.Literal(s))),
    /** Delivery attempts made (0 when it expired or collapsed before the first). */
    attempts: Type.Integer({ minimum: 0 }),
    /** enqueuedAt → outcome, in milliseconds. */
    latencyMs: Type.Integer({ minimum: 0 }),
    enqueuedAt: EpochMillis,
    completedAt: EpochMillis,
    edgeId: Type.Optional(EdgeId),
    /** Why it failed, for the statuses that are failures. */
    detail: Type.Optional(Type.String({ maxLength: 1000 })),
    /** When the message was put in the device's inbox: on `stored`, and on the final outcome of a stored message. */
    storedAt: Type.Optional(EpochMillis),
    /** Absent: queued. */
    source: Type.Optional(MessageSource),
  },
  strict,
);
export type PushOutcomeRecord = Static<typeof PushOutcomeRecord>;

/**
 * Why a record went to the dead-letter topic: `invalid_record` (not a push request this processor can
 * read), `expired_while_unavailable` (its TTL ended while a dependency — registry, store, edge — was
 * down, so it could neither be delivered nor stored). `retries_exhausted` is only in records written
 * by versions before the inbox (they are still read, e.g. by `pushctl dlq replay`).
 */
export const DEAD_LETTER_REASONS = ['invalid_record', 'expired_while_unavailable', 'retries_exhausted'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** A record the processor could not handle (value of `pushwire.push-dlq`), with the original kept verbatim. */
export const DeadLetterRecord = Type.Object(
  {
    v: Type.Literal(1),
    reason: Type.Union(DEAD_LETTER_REASONS.map((r) => Type.Literal(r))),
    /** Human-readable detail: the validation errors, or the last delivery status. */
    detail: Type.String({ maxLength: 4000 }),
    source: Type.Object({ topic: Type.String(), partition: Type.Integer({ minimum: 0 }), offset: Type.String() }, strict),
    /** The original key and value, as received (the value may not even be JSON). */
    key: Type.Union([Type.String(), Type.Null()]),
    value: Type.String(),
    failedAt: EpochMillis,
    messageId: Type.Optional(MessageId),
    attempts: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  strict,
);
export type DeadLetterRecord = Static<typeof DeadLetterRecord>;

// ---- message processor HTTP API: POST /v1/push-requests (indirect push for senders without Kafka) ----

/** Enqueue one message for indirect push; its priority (default normal) picks the topic. */
export const EnqueueRequest = Type.Object(
  {
    target: PushTarget,
    message: PushMessage,
    collapseKey: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_COLLAPSE_KEY_LENGTH })),
  },
  strict,
);
export type EnqueueRequest = Static<typeof EnqueueRequest>;

/** 202: the message is durably enqueued; its outcome will appear on the outcomes topic. */
export const EnqueueResponse = Type.Object({ messageId: MessageId, topic: Type.String() }, strict);
export type EnqueueResponse = Static<typeof EnqueueResponse>;
