import { Type, type Static } from '@sinclair/typebox';

// Identifiers travel in URLs, log lines, Kafka keys and DynamoDB keys, so they are restricted to a
// conservative character set and length. Tokens and payloads are never identifiers.
const ID_PATTERN = '^[A-Za-z0-9._:@-]+$';
const id = (description: string, maxLength = 128) => Type.String({ minLength: 1, maxLength, pattern: ID_PATTERN, description });

export const DeviceId = id('A device id, unique within its account (JWT claim device_id).');
export const AccountId = id('An account (user) id (JWT claim sub).');
export const ConnectionId = id('Random id of one device connection; fences stale routes.', 64);
export const MessageId = id('A message id chosen by the sender; devices de-duplicate on it.', 128);
export const RequestId = id('A request id chosen by the device to match a reply to its request.', 64);
export const EdgeId = id('The id of one push-edge process.', 64);
export const DeviceType = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9_-]+$', description: 'tv, phone, browser, …' });
export const DeviceName = Type.String({ minLength: 1, maxLength: 128, description: 'Human-readable device name.' });

/**
 * Who a device is: a device id means something only inside its account, so every reference to a
 * device names both. Accounts a1 and evil may each have a device `tv9`: they are two devices, and
 * nothing that names one of them can reach the other.
 */
export const DeviceRef = Type.Object(
  { accountId: AccountId, deviceId: DeviceId },
  { additionalProperties: false, description: 'A device: its account and its id within that account.' },
);

/**
 * One string per device (account and id), for map keys and record keys. `/` never occurs in an id
 * (ID_PATTERN), so two different devices never share a key.
 */
export function deviceRefKey(ref: { readonly accountId: string; readonly deviceId: string }): string {
  return `${ref.accountId}/${ref.deviceId}`;
}

/** Any JSON value: the application payload of a push or device-to-device message. */
export const Payload = Type.Unknown({ description: 'Any JSON value, opaque to Pushwire.' });

export const Priority = Type.Union([Type.Literal('high'), Type.Literal('normal'), Type.Literal('low')], {
  description: 'Delivery priority; indirect push gives higher priorities more consumer concurrency.',
});

// Times are bounded by what a JavaScript Date can hold (±8.64e15 ms), so `1e308` is not "a time".
const MAX_EPOCH_MILLIS = 8_640_000_000_000_000;

/** Milliseconds since the Unix epoch. */
export const EpochMillis = Type.Integer({ minimum: 0, maximum: MAX_EPOCH_MILLIS, description: 'Milliseconds since the Unix epoch.' });
/** Seconds since the Unix epoch (DynamoDB TTL attributes are in seconds). */
export const EpochSeconds = Type.Integer({ minimum: 0, maximum: MAX_EPOCH_MILLIS / 1000, description: 'Seconds since the Unix epoch.' });

export type DeviceId = Static<typeof DeviceId>;
export type AccountId = Static<typeof AccountId>;
export type DeviceRef = Static<typeof DeviceRef>;
export type ConnectionId = Static<typeof ConnectionId>;
export type MessageId = Static<typeof MessageId>;
export type RequestId = Static<typeof RequestId>;
export type EdgeId = Static<typeof EdgeId>;
export type Priority = Static<typeof Priority>;
