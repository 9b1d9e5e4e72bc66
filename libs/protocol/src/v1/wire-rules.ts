// The rules of the device protocol's fields that the TypeBox schemas (ids.ts, device-frames.ts,
// topics.ts) state and the schema-free frame checks (frame-checks.ts) repeat: kept here, with no
// TypeBox import, so that both read the same values and the device SDK's bundle stays schema-free.

/** Device protocol version; the device port paths carry it (`/v1/connect`, `/v1/events`). */
export const PROTOCOL_VERSION = 1;

/**
 * Default largest frame, either way (PUSHWIRE_MAX_MESSAGE_BYTES): the edge closes a device frame over
 * it 1009 and rejects a push whose frame would be larger; the message processor refuses a payload
 * larger than it up front, since that push can never be delivered.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * The largest device token the edge looks at, in bytes, on every path (header, `?token=`, the
 * `auth` frame, SSE, `POST /v1/frames`): a larger one is refused before any JWT work.
 */
export const MAX_TOKEN_BYTES = 8192;

// Identifiers travel in URLs, log lines, Kafka keys and DynamoDB keys, so they are restricted to a
// conservative character set and length. Tokens and payloads are never identifiers.
export const ID_PATTERN = '^[A-Za-z0-9._:@-]+$';
/** Longest device, account and message id; connection, request and edge ids are at most MAX_SHORT_ID_LENGTH. */
export const MAX_ID_LENGTH = 128;
export const MAX_SHORT_ID_LENGTH = 64;
export const DEVICE_TYPE_PATTERN = '^[a-z0-9_-]+$';
export const MAX_DEVICE_TYPE_LENGTH = 32;
export const MAX_DEVICE_NAME_LENGTH = 128;

/** Times are bounded by what a JavaScript Date can hold (±8.64e15 ms), so `1e308` is not "a time". */
export const MAX_EPOCH_MILLIS = 8_640_000_000_000_000;

export const PRIORITIES = ['high', 'normal', 'low'] as const;
export const RECONNECT_REASONS = ['lifetime', 'drain', 'token_expired'] as const;

/** The longest topic name. */
export const MAX_TOPIC_NAME_LENGTH = 128;
export const TOPIC_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:@-]*$';
export const TOPIC_EPOCH_PATTERN = '^[A-Za-z0-9_-]+$';
export const MAX_TOPIC_EPOCH_LENGTH = 64;

/** Why a subscription was refused, or `subscribed`. */
export const SUBSCRIBE_STATUSES = ['subscribed', 'forbidden', 'limit_exceeded', 'unavailable'] as const;
export type SubscribeStatus = (typeof SUBSCRIBE_STATUSES)[number];
export const UNSUBSCRIBE_STATUSES = ['unsubscribed', 'not_subscribed'] as const;
