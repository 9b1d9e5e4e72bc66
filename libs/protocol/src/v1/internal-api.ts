import { Type, type Static } from '@sinclair/typebox';
import { DELIVERY_STATUSES, ErrorCodes } from './codes';
import {
  AccountId,
  ConnectionId,
  DeviceId,
  DeviceName,
  DeviceRef,
  DeviceType,
  EdgeId,
  EpochMillis,
  EpochSeconds,
  MessageId,
  Payload,
  Priority,
} from './ids';

const strict = { additionalProperties: false } as const;
const StatusSchema = Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s)));

/**
 * The base URL of an edge's internal port, where senders POST deliveries with the service token: so
 * http(s) only, a host and an optional port and path — no credentials, query or fragment (anything
 * else would send the service token somewhere other than an edge's /v1/deliver).
 */
export const EdgeUrl = Type.String({
  minLength: 1,
  maxLength: 512,
  pattern: "^https?://[A-Za-z0-9._~%:\\[\\]-]+(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$",
  description: "Base URL of the edge's internal port: http(s)://host[:port][/path], no credentials, query or fragment.",
});

/** Longest TTL a message may ask for: 28 days. */
export const MAX_MESSAGE_TTL_SECONDS = 28 * 24 * 3600;

/** A push message as the backend hands it to Pushwire. */
export const PushMessage = Type.Object(
  {
    id: MessageId,
    payload: Payload,
    priority: Type.Optional(Priority),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MESSAGE_TTL_SECONDS })),
    createdAt: Type.Optional(EpochMillis),
    ackRequired: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type PushMessage = Static<typeof PushMessage>;

// ---- edge internal port: POST /v1/deliver -----------------------------------------------------

/**
 * Deliver one message to one device: `deviceId` of account `accountId` (a device id means something
 * only inside its account; a connection of another account with that device id never gets it).
 * `connectionId`, when given, fences stale routes (→ `gone`). `from`, set by an edge relaying a
 * device-to-device message, makes it a `d2d.message` frame from that device — always one of the
 * same account — instead of a `push`.
 */
export const Delivery = Type.Object(
  {
    accountId: AccountId,
    deviceId: DeviceId,
    connectionId: Type.Optional(ConnectionId),
    message: PushMessage,
    from: Type.Optional(DeviceId),
    /**
     * The message is also in the device's inbox (docs/architecture.md, "Inbox"): once it is
     * delivered (or acknowledged, when it asks for an ack) the edge removes it from the inbox and,
     * if its removal was the one that took it, reports its final outcome.
     */
    inboxed: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type Delivery = Static<typeof Delivery>;

export const MAX_DELIVERY_BATCH = 1000;
export const DeliveryBatch = Type.Object({ deliveries: Type.Array(Delivery, { minItems: 1, maxItems: MAX_DELIVERY_BATCH }) }, strict);
export type DeliveryBatch = Static<typeof DeliveryBatch>;
export const DeliverRequest = Type.Union([Delivery, DeliveryBatch]);
export type DeliverRequest = Static<typeof DeliverRequest>;

export const DeliveryResult = Type.Object(
  {
    accountId: AccountId,
    deviceId: DeviceId,
    messageId: MessageId,
    status: StatusSchema,
    edgeId: Type.Optional(EdgeId),
    retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  strict,
);
export type DeliveryResult = Static<typeof DeliveryResult>;
export const DeliveryBatchResult = Type.Object({ results: Type.Array(DeliveryResult) }, strict);
export type DeliveryBatchResult = Static<typeof DeliveryBatchResult>;

// ---- registry ---------------------------------------------------------------------------------

/** Where one device is connected. Keyed by (accountId, deviceId): one record per device of an account. */
export const Registration = Type.Object(
  {
    deviceId: DeviceId,
    accountId: AccountId,
    deviceType: DeviceType,
    deviceName: Type.Optional(DeviceName),
    edgeId: EdgeId,
    edgeUrl: EdgeUrl,
    connectionId: ConnectionId,
    connectedAt: EpochMillis,
    expiresAt: EpochSeconds,
  },
  strict,
);
export type Registration = Static<typeof Registration>;

export const MAX_REGISTRY_BATCH = 500;
export const RegisterRequest = Type.Object(
  { registrations: Type.Array(Registration, { minItems: 1, maxItems: MAX_REGISTRY_BATCH }) },
  strict,
);
export type RegisterRequest = Static<typeof RegisterRequest>;
/** `stale`: the store already holds a newer connection of that device, so this one was not written. */
export const RegisterOutcome = Type.Union([Type.Literal('registered'), Type.Literal('stale')]);
export type RegisterOutcome = Static<typeof RegisterOutcome>;
export const RegisterResponse = Type.Object(
  { results: Type.Array(Type.Object({ accountId: AccountId, deviceId: DeviceId, outcome: RegisterOutcome }, strict)) },
  strict,
);
export type RegisterResponse = Static<typeof RegisterResponse>;

export const DeregisterItem = Type.Object({ accountId: AccountId, deviceId: DeviceId, connectionId: ConnectionId }, strict);
export type DeregisterItem = Static<typeof DeregisterItem>;
export const DeregisterRequest = Type.Object(
  { deregistrations: Type.Array(DeregisterItem, { minItems: 1, maxItems: MAX_REGISTRY_BATCH }) },
  strict,
);
export type DeregisterRequest = Static<typeof DeregisterRequest>;
/** `not_current`: the record holds another connection (or none), so nothing was removed. */
export const DeregisterOutcome = Type.Union([Type.Literal('deregistered'), Type.Literal('not_current')]);
export type DeregisterOutcome = Static<typeof DeregisterOutcome>;
export const DeregisterResponse = Type.Object(
  { results: Type.Array(Type.Object({ accountId: AccountId, deviceId: DeviceId, outcome: DeregisterOutcome }, strict)) },
  strict,
);
export type DeregisterResponse = Static<typeof DeregisterResponse>;

/** Which devices to look up: each names its account, so a lookup never finds another account's device of the same id. */
export const LookupRequest = Type.Object({ devices: Type.Array(DeviceRef, { minItems: 1, maxItems: MAX_REGISTRY_BATCH }) }, strict);
export type LookupRequest = Static<typeof LookupRequest>;
/** The live records found, and the devices (as asked) without one. */
export const LookupResponse = Type.Object({ registrations: Type.Array(Registration), missing: Type.Array(DeviceRef) }, strict);
export type LookupResponse = Static<typeof LookupResponse>;
export const AccountRegistrationsResponse = Type.Object({ registrations: Type.Array(Registration) }, strict);
export type AccountRegistrationsResponse = Static<typeof AccountRegistrationsResponse>;

/**
 * An edge's liveness lease: lookups ignore records of edges whose lease lapsed. `incarnation` names
 * the edge process (random per start): when the same incarnation takes its own lapsed lease again
 * (a store outage, a stalled renewal) the lease keeps its epoch, so the records that process wrote
 * — of connections it still holds — resolve again at once instead of after it re-registered them.
 */
export const LeaseRequest = Type.Object(
  {
    edgeUrl: EdgeUrl,
    ttlSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
    incarnation: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:@-]+$', description: 'Random id of this edge process.' }),
    ),
  },
  strict,
);
export type LeaseRequest = Static<typeof LeaseRequest>;
export const Lease = Type.Object({ edgeId: EdgeId, edgeUrl: Type.String(), expiresAt: EpochSeconds }, strict);
export type Lease = Static<typeof Lease>;
/** `renewed` is false when the lease was new or had lapsed: the edge must then register its connections again. */
export const LeaseResponse = Type.Object({ lease: Lease, renewed: Type.Boolean() }, strict);
export type LeaseResponse = Static<typeof LeaseResponse>;

/** Which edges' leases to read (POST /v1/leases/status). */
export const LeaseStatusRequest = Type.Object({ edgeIds: Type.Array(EdgeId, { minItems: 1, maxItems: MAX_REGISTRY_BATCH }) }, strict);
export type LeaseStatusRequest = Static<typeof LeaseStatusRequest>;
/**
 * A live lease with its `epoch`: an opaque string that stays the same while the lease is renewed and
 * changes every time it is taken afresh (after a lapse or a release), when the edge's earlier
 * registrations stopped resolving.
 */
export const LeaseStatus = Type.Object(
  {
    ...Lease.properties,
    epoch: Type.String({ minLength: 1, maxLength: 128, description: 'Changes every time the lease is taken afresh.' }),
  },
  strict,
);
export type LeaseStatus = Static<typeof LeaseStatus>;
/** Only live leases: an edge whose lease is absent or lapsed is left out. */
export const LeaseStatusResponse = Type.Object({ leases: Type.Array(LeaseStatus) }, strict);
export type LeaseStatusResponse = Static<typeof LeaseStatusResponse>;

// ---- errors -----------------------------------------------------------------------------------

/** Every non-2xx JSON answer of every service. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.Union((Object.keys(ErrorCodes) as (keyof typeof ErrorCodes)[]).map((c) => Type.Literal(c))),
    message: Type.String(),
    retriable: Type.Boolean(),
    details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;
