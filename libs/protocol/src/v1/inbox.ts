import { Type, type Static } from '@sinclair/typebox';
import { DeviceRef, EpochMillis, MessageId } from './ids';
import { PushMessage } from './internal-api';
import { MAX_COLLAPSE_KEY_LENGTH, MessageSource, type OutcomeStatus, type PushOutcomeRecord } from './push-queue';

// The per-device inbox (docs/architecture.md, "Inbox"): messages that could not be delivered when
// they were sent, kept until the device connects (to any edge) or their TTL ends. The registry
// serves it under /v1/inbox; these are its bodies.

const strict = { additionalProperties: false } as const;

/** Pending messages a device's inbox holds at most, by default (FCM's limit too). */
export const DEFAULT_INBOX_MAX_MESSAGES = 100;
/** Bytes of payload JSON a device's inbox holds at most, by default. */
export const DEFAULT_INBOX_MAX_BYTES = 1024 * 1024;
/** Most entries in one store call, and most devices in one pending or remove call. */
export const MAX_INBOX_BATCH = 100;
/** Most entries one pending read returns per device; the reader asks again after delivering them. */
export const MAX_INBOX_READ = 25;

/**
 * One stored message. `message` carries everything a delivery needs (priority, createdAt,
 * ttlSeconds, ackRequired); `expiresAt` = createdAt + ttl, after which reads no longer return it and
 * the expiry sweep takes it (outcome `expired`). `storedAt` orders a device's inbox (ties: the order
 * the store took them in).
 */
export const InboxEntry = Type.Object(
  {
    target: DeviceRef,
    message: PushMessage,
    /** When the sender handed the message over (the latency clock of outcomes). */
    enqueuedAt: EpochMillis,
    expiresAt: EpochMillis,
    storedAt: EpochMillis,
    source: MessageSource,
    collapseKey: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_COLLAPSE_KEY_LENGTH })),
    /** Delivery attempts made before it was stored. */
    attempts: Type.Integer({ minimum: 0 }),
    /**
     * The W3C `traceparent` of the trace the message was stored in (OpenTelemetry): its later
     * delivery from the inbox joins that trace. Absent when the storing service did not trace it.
     */
    traceparent: Type.Optional(Type.String({ pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$', maxLength: 55 })),
  },
  strict,
);
export type InboxEntry = Static<typeof InboxEntry>;

/**
 * What storing one entry did:
 * - `stored`: it is in the inbox (`replaced`: the entry with the same collapse key it took the place
 *   of, whose final outcome is now `collapsed` — the caller reports it);
 * - `duplicate`: an entry with this message id is already in the inbox, or was taken from it (the
 *   message already had its final outcome): nothing changed;
 * - `overflow`: the inbox is full (count or bytes); it was not stored;
 * - `expired`: its TTL has already ended; it was not stored.
 */
export const InboxStoreOutcome = Type.Union([
  Type.Literal('stored'),
  Type.Literal('duplicate'),
  Type.Literal('overflow'),
  Type.Literal('expired'),
]);
export type InboxStoreOutcome = Static<typeof InboxStoreOutcome>;

export const InboxStoreRequest = Type.Object({ entries: Type.Array(InboxEntry, { minItems: 1, maxItems: MAX_INBOX_BATCH }) }, strict);
export type InboxStoreRequest = Static<typeof InboxStoreRequest>;
export const InboxStoreResult = Type.Object(
  { messageId: MessageId, outcome: InboxStoreOutcome, replaced: Type.Optional(InboxEntry) },
  strict,
);
export type InboxStoreResult = Static<typeof InboxStoreResult>;
/** One result per entry, in request order. */
export const InboxStoreResponse = Type.Object({ results: Type.Array(InboxStoreResult) }, strict);
export type InboxStoreResponse = Static<typeof InboxStoreResponse>;

/** Whose inboxes to read (POST /v1/inbox/pending). */
export const InboxPendingRequest = Type.Object({ devices: Type.Array(DeviceRef, { minItems: 1, maxItems: MAX_INBOX_BATCH }) }, strict);
export type InboxPendingRequest = Static<typeof InboxPendingRequest>;
/** Unexpired entries of each device with any, oldest first, at most MAX_INBOX_READ per device; `more` when it holds more. */
export const DeviceInbox = Type.Object({ ...DeviceRef.properties, entries: Type.Array(InboxEntry), more: Type.Boolean() }, strict);
export type DeviceInbox = Static<typeof DeviceInbox>;
export const InboxPendingResponse = Type.Object({ inboxes: Type.Array(DeviceInbox) }, strict);
export type InboxPendingResponse = Static<typeof InboxPendingResponse>;

/** Entries to take out of their inboxes (POST /v1/inbox/remove): delivered, acknowledged. */
export const InboxRemoveItem = Type.Object({ ...DeviceRef.properties, messageId: MessageId }, strict);
export type InboxRemoveItem = Static<typeof InboxRemoveItem>;
export const InboxRemoveRequest = Type.Object({ items: Type.Array(InboxRemoveItem, { minItems: 1, maxItems: MAX_INBOX_BATCH }) }, strict);
export type InboxRemoveRequest = Static<typeof InboxRemoveRequest>;
/**
 * `entry` is present only for the call that took it out: that caller reports the message's final
 * outcome. Absent: someone else took it first (or it expired), so this caller reports nothing.
 */
export const InboxRemoveResult = Type.Object({ ...InboxRemoveItem.properties, entry: Type.Optional(InboxEntry) }, strict);
export type InboxRemoveResult = Static<typeof InboxRemoveResult>;
export const InboxRemoveResponse = Type.Object({ results: Type.Array(InboxRemoveResult) }, strict);
export type InboxRemoveResponse = Static<typeof InboxRemoveResponse>;

/** Take up to `limit` entries whose TTL has ended (POST /v1/inbox/expired): the caller reports each `expired`. */
export const InboxExpiredRequest = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: MAX_INBOX_BATCH }) }, strict);
export type InboxExpiredRequest = Static<typeof InboxExpiredRequest>;
export const InboxExpiredResponse = Type.Object({ entries: Type.Array(InboxEntry) }, strict);
export type InboxExpiredResponse = Static<typeof InboxExpiredResponse>;

/**
 * The outcome record of a stored message: `stored` when it went in, its final status when it came
 * out (delivered, acknowledged, expired, collapsed). The edge that delivered it and the processor
 * that stored or expired it write the same shape.
 */
export function inboxOutcome(
  entry: InboxEntry,
  status: OutcomeStatus,
  completedAt: number,
  extra: Pick<PushOutcomeRecord, 'edgeId' | 'detail'> = {},
): PushOutcomeRecord {
  return {
    v: 1,
    messageId: entry.message.id,
    target: { accountId: entry.target.accountId, deviceId: entry.target.deviceId },
    priority: entry.message.priority ?? 'normal',
    status,
    attempts: entry.attempts,
    latencyMs: Math.max(0, completedAt - entry.enqueuedAt),
    enqueuedAt: entry.enqueuedAt,
    completedAt,
    storedAt: entry.storedAt,
    source: entry.source,
    ...(extra.edgeId ? { edgeId: extra.edgeId } : {}),
    ...(extra.detail ? { detail: extra.detail.slice(0, 1000) } : {}),
  };
}
