import { Type, type Static } from '@sinclair/typebox';
import { DeviceType, EpochMillis, MessageId, Payload, Priority, RequestId } from './ids';
import { MAX_MESSAGE_TTL_SECONDS } from './internal-api';
import {
  MAX_TOPIC_EPOCH_LENGTH,
  MAX_TOPIC_NAME_LENGTH,
  SUBSCRIBE_STATUSES,
  TOPIC_EPOCH_PATTERN,
  TOPIC_NAME_PATTERN,
  UNSUBSCRIBE_STATUSES,
} from './wire-rules';

// Topics and broadcast: one message to many devices (docs/architecture.md, "Topics").
//
// Every topic message and every broadcast is one record of ONE log, the event-bus topic
// `pushwire.topic-messages` with a single partition, which every edge reads in full. One partition
// gives every topic message a place in one total order: a topic's offset is the record's offset
// in that log (plus one, so that 0 means "nothing yet"), so offsets of a topic increase but are not
// consecutive (its messages share the log with other topics). The epoch names the log instance:
// when it changes (another Kafka cluster, or a restarted `npm start`), no offset of the old epoch
// means anything any more.

const strict = { additionalProperties: false } as const;

/** The event-bus topic every topic message and broadcast is appended to (one partition). */
export const TOPIC_LOG = 'pushwire.topic-messages';

/** The most topic patterns one device token may carry (claim `topics`). */
export const MAX_TOKEN_TOPIC_PATTERNS = 64;
/** Default TTL of a topic message or broadcast: how long an edge keeps it for devices recovering a gap. */
export const DEFAULT_TOPIC_TTL_SECONDS = 300;

/**
 * A topic name: letters, digits and `_ . : @ -`, starting with a letter or digit (`live:m1`,
 * `game.42.questions`). Names starting with `$` are reserved (the edge's own broadcast channels);
 * `*` only appears in patterns.
 */
export const TopicName = Type.String({
  minLength: 1,
  maxLength: MAX_TOPIC_NAME_LENGTH,
  pattern: TOPIC_NAME_PATTERN,
  description: 'A topic: letters, digits and _ . : @ -, starting with a letter or digit.',
});
export type TopicName = Static<typeof TopicName>;

/** A topic pattern of a token's `topics` claim: a topic name in which `*` stands for any run of characters (`live:*`, `*`). */
export const TopicPattern = Type.String({
  minLength: 1,
  maxLength: MAX_TOPIC_NAME_LENGTH,
  pattern: '^[A-Za-z0-9_.:@*-]+$',
  description: 'A topic name in which * stands for any run of characters.',
});
export type TopicPattern = Static<typeof TopicPattern>;

/** The `topics` claim of a device token: the patterns of the topics the device may subscribe to. */
export const TopicsClaim = Type.Array(TopicPattern, { maxItems: MAX_TOKEN_TOPIC_PATTERNS });

/** An epoch: names one instance of the topic log (see the file comment). */
export const TopicEpoch = Type.String({
  minLength: 1,
  maxLength: MAX_TOPIC_EPOCH_LENGTH,
  pattern: TOPIC_EPOCH_PATTERN,
  description: 'The topic log instance.',
});
/** A position in the topic log: 1-based record offset; 0 = before the first record. */
export const TopicOffset = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Position in the topic log.' });

/** Where a device left a topic: the offset and epoch of the last message it has (or of its subscribe.result). */
export const TopicPosition = Type.Object({ offset: TopicOffset, epoch: TopicEpoch }, strict);
export type TopicPosition = Static<typeof TopicPosition>;

/** Whether `topic` matches a pattern of the `topics` claim (`*` = any run of characters, possibly empty). */
export function topicPatternMatches(pattern: string, topic: string): boolean {
  if (!pattern.includes('*')) return pattern === topic;
  const parts = pattern.split('*');
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (topic.length < first.length + last.length || !topic.startsWith(first) || !topic.endsWith(last)) return false;
  let at = first.length;
  const end = topic.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = topic.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** The topic offset of a log record: its bus offset (a decimal string, 0-based) plus one. */
export function topicOffsetOfRecord(busOffset: string): number {
  return Number(busOffset) + 1;
}

/**
 * The epoch of a topic log instance, from the bus's log id (Kafka: the cluster id; memory bus: a
 * random id per process): a short, URL-safe digest, so publishers and every edge derive the same.
 */
export function topicEpochOf(logId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < logId.length; i++) {
    hash ^= logId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `e${(hash >>> 0).toString(36)}`;
}

// ---- frames (device ↔ edge) ------------------------------------------------------------------

/**
 * `subscribe`: receive the topic's messages on this connection until it ends or `unsubscribe`.
 * With `since`, the messages after that position are sent first, in order (recovery).
 */
export const SubscribeFrame = Type.Object(
  { type: Type.Literal('subscribe'), reqId: RequestId, topic: TopicName, since: Type.Optional(TopicPosition) },
  strict,
);
export const UnsubscribeFrame = Type.Object({ type: Type.Literal('unsubscribe'), reqId: RequestId, topic: TopicName }, strict);

/**
 * The answer to `subscribe`. When `subscribed`: `offset`/`epoch` = the topic's position now (what
 * the device resumes from if it has no newer message), and with `since`, `recovered` says whether
 * every message after it follows (true), or the gap cannot be filled (false: the history no longer
 * holds it, or the epoch changed) and the app should reload its state. `forbidden`: the token (or
 * policy) does not allow the topic. `limit_exceeded`: the connection has as many topics as allowed.
 * `unavailable`: the edge has not loaded the topic history yet; try again.
 */
export const SubscribeResultFrame = Type.Object(
  {
    type: Type.Literal('subscribe.result'),
    reqId: RequestId,
    topic: TopicName,
    status: Type.Union(SUBSCRIBE_STATUSES.map((s) => Type.Literal(s))),
    offset: Type.Optional(TopicOffset),
    epoch: Type.Optional(TopicEpoch),
    recovered: Type.Optional(Type.Boolean()),
  },
  strict,
);
export const UnsubscribeResultFrame = Type.Object(
  {
    type: Type.Literal('unsubscribe.result'),
    reqId: RequestId,
    topic: TopicName,
    status: Type.Union(UNSUBSCRIBE_STATUSES.map((s) => Type.Literal(s))),
  },
  strict,
);

/** A message of a subscribed topic. Devices keep `offset`/`epoch` of the last one to resubscribe with `since`. */
export const TopicMessageFrame = Type.Object(
  {
    type: Type.Literal('topic.message'),
    topic: TopicName,
    id: MessageId,
    offset: TopicOffset,
    epoch: TopicEpoch,
    payload: Payload,
    sentAt: EpochMillis,
  },
  strict,
);

/** A broadcast: sent to every connected device (or those of the named device types); nothing to subscribe to. */
export const BroadcastFrame = Type.Object(
  { type: Type.Literal('broadcast'), id: MessageId, payload: Payload, sentAt: EpochMillis },
  strict,
);

// ---- the topic log's records (value of pushwire.topic-messages) --------------------------------

const ttlSeconds = Type.Integer({ minimum: 1, maximum: MAX_MESSAGE_TTL_SECONDS });
/** The most device types one broadcast may name. */
export const MAX_BROADCAST_DEVICE_TYPES = 16;
const DeviceTypes = Type.Array(DeviceType, { minItems: 1, maxItems: MAX_BROADCAST_DEVICE_TYPES });

/** A message published to a topic (key: the topic). */
export const TopicPublishRecord = Type.Object(
  {
    kind: Type.Literal('topic'),
    topic: TopicName,
    id: MessageId,
    payload: Payload,
    priority: Priority,
    sentAt: EpochMillis,
    ttlSeconds,
  },
  strict,
);
export type TopicPublishRecord = Static<typeof TopicPublishRecord>;

/** A broadcast (key: `$broadcast`): every connected device, or only those of `deviceTypes`. */
export const BroadcastRecord = Type.Object(
  {
    kind: Type.Literal('broadcast'),
    id: MessageId,
    payload: Payload,
    deviceTypes: Type.Optional(DeviceTypes),
    sentAt: EpochMillis,
    ttlSeconds,
  },
  strict,
);
export type BroadcastRecord = Static<typeof BroadcastRecord>;

export const TopicLogRecord = Type.Union([TopicPublishRecord, BroadcastRecord]);
export type TopicLogRecord = Static<typeof TopicLogRecord>;

/** The record key of a broadcast (a topic name never starts with `$`). */
export const BROADCAST_RECORD_KEY = '$broadcast';

// ---- publishing over HTTP (the message processor's door) and the push client ---------------------

/** `POST /v1/topics/:topic/messages` body. `id` defaults to a random one; `ttlSeconds` to DEFAULT_TOPIC_TTL_SECONDS. */
export const PublishRequest = Type.Object(
  { payload: Payload, id: Type.Optional(MessageId), ttlSeconds: Type.Optional(ttlSeconds), priority: Type.Optional(Priority) },
  strict,
);
export type PublishRequest = Static<typeof PublishRequest>;

/** What a publish got: the message's id and its place in the topic log. */
export const PublishResult = Type.Object({ topic: TopicName, id: MessageId, offset: TopicOffset, epoch: TopicEpoch }, strict);
export type PublishResult = Static<typeof PublishResult>;

/** `POST /v1/broadcasts` body. */
export const BroadcastRequest = Type.Object(
  { payload: Payload, id: Type.Optional(MessageId), ttlSeconds: Type.Optional(ttlSeconds), deviceTypes: Type.Optional(DeviceTypes) },
  strict,
);
export type BroadcastRequest = Static<typeof BroadcastRequest>;

export const BroadcastResult = Type.Object({ id: MessageId, offset: TopicOffset, epoch: TopicEpoch }, strict);
export type BroadcastResult = Static<typeof BroadcastResult>;
