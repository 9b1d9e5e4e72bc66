import { Type, type Static } from '@sinclair/typebox';
import {
  DEVICE_TYPE_PATTERN,
  ID_PATTERN,
  MAX_DEVICE_NAME_LENGTH,
  MAX_DEVICE_TYPE_LENGTH,
  MAX_EPOCH_MILLIS,
  MAX_ID_LENGTH,
  MAX_SHORT_ID_LENGTH,
  PRIORITIES,
} from './wire-rules';

// Identifiers: ID_PATTERN and lengths of wire-rules.ts (shared with the schema-free frame checks).
const id = (description: string, maxLength = MAX_ID_LENGTH) => Type.String({ minLength: 1, maxLength, pattern: ID_PATTERN, description });

export const DeviceId = id('A device id, unique within its account (JWT claim device_id).');
export const AccountId = id('An account (user) id (JWT claim sub).');
export const ConnectionId = id('Random id of one device connection; fences stale routes.', MAX_SHORT_ID_LENGTH);
export const MessageId = id('A message id chosen by the sender; devices de-duplicate on it.');
export const RequestId = id('A request id chosen by the device to match a reply to its request.', MAX_SHORT_ID_LENGTH);
export const EdgeId = id('The id of one push-edge process.', MAX_SHORT_ID_LENGTH);
export const DeviceType = Type.String({
  minLength: 1,
  maxLength: MAX_DEVICE_TYPE_LENGTH,
  pattern: DEVICE_TYPE_PATTERN,
  description: 'tv, phone, browser, …',
});
export const DeviceName = Type.String({ minLength: 1, maxLength: MAX_DEVICE_NAME_LENGTH, description: 'Human-readable device name.' });

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

export const Priority = Type.Union(
  PRIORITIES.map((p) => Type.Literal(p)),
  {
    description: 'Delivery priority; indirect push gives higher priorities more consumer concurrency.',
  },
);

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
