import { randomUUID } from 'node:crypto';
import { MAX_DELIVERY_BATCH, type DeliveryStatus, type Priority } from '@pushwire/protocol';
import type { EventBus } from '@pushwire/event-bus';
import type { RegistryClient } from '@pushwire/registry-client';

/** How a PushClient finds devices and reaches edges. Every field states its default. */
export interface PushClientOptions {
  /** Base URL of the registry HTTP API. Give this or `registry`. */
  registryUrl?: string;
  /** A registry client to use instead of building one from `registryUrl`; the caller keeps owning it (close() leaves it open). */
  registry?: RegistryClient;
  /**
   * Where `enqueue` publishes push requests (indirect push): a KafkaEventBus in a cluster, the
   * in-memory bus in the all-in-one. The caller keeps owning it (close() leaves it open). Default:
   * none, and `enqueue` rejects with `not_configured`; direct push needs no bus.
   */
  bus?: EventBus;
  /** Shared service token for the registry and the edges' internal ports. Required. */
  serviceToken: string;
  /** How long a looked-up route (device → registration) is reused. Default 2000 ms. */
  routeCacheTtlMs?: number;
  /** Most routes kept in the cache; the oldest are dropped beyond it. Default 100 000. */
  routeCacheMaxEntries?: number;
  /** Most deliveries in one request to one edge. Default 256, at most MAX_DELIVERY_BATCH (1000). */
  batchMaxSize?: number;
  /** 0 (default): coalesce the calls made in the same tick; > 0: wait that long to coalesce more. */
  batchDelayMs?: number;
  /** HTTP deadline of edge requests. Default 15 000 ms: must exceed the edge's ack timeout (10 s). Registry lookups use the smaller of this and 5000 ms. */
  requestTimeoutMs?: number;
  /** Clock, in epoch milliseconds. Default Date.now. */
  now?: () => number;
  /** Message id generator for sends without an `id`. Default crypto.randomUUID. */
  newId?: () => string;
}

/** Per-message options of `send`. */
export interface SendOptions {
  /** Message id; devices de-duplicate on it. Default: a generated UUID. */
  id?: string;
  /** Ask the device to acknowledge; the result is then `acknowledged` or `ack_timeout`. Default false. */
  ack?: boolean;
  /** Drop the message when it cannot be delivered within this many seconds. Default: the edge's. */
  ttlSeconds?: number;
  /** Delivery priority. Default: the edge's (normal). */
  priority?: Priority;
  /**
   * When the message was created (epoch ms), which starts its TTL. Default: now. At most a minute
   * ahead of this client's clock and not older than the longest TTL (28 days), else `invalid_message`.
   */
  createdAt?: number;
  /**
   * The message is already in the device's inbox (the message processor sets it when it delivers a
   * message it just stored): the edge takes it out of the inbox once delivered and reports its final
   * outcome. Default false.
   */
  inboxed?: boolean;
}

/** The outcome of one direct push to device `deviceId` of account `accountId`. */
export interface SendResult {
  accountId: string;
  deviceId: string;
  messageId: string;
  /** Outcome from the catalogue (`DeliveryStatuses`), which says whether retrying can help. */
  status: DeliveryStatus;
  /** The edge that answered, when one did. */
  edgeId?: string;
  /** How many delivery requests to an edge carried this message (0: the registry knew no live connection). */
  attempts: number;
  /** With `backpressure` / `rate_limited`: when it is worth trying again. */
  retryAfterMs?: number;
  /** Why, when the status alone does not say it (sendMany's per-item failures). */
  error?: string;
}

/** The outcome of `sendToAccount`: one direct push per live device of the account. */
export interface AccountSendResult {
  accountId: string;
  /** One per device the registry listed (none when the account has no live device), all with the same `messageId`. */
  results: SendResult[];
}

/** Options with every default applied. */
export interface ResolvedOptions {
  serviceToken: string;
  routeCacheTtlMs: number;
  routeCacheMaxEntries: number;
  batchMaxSize: number;
  batchDelayMs: number;
  requestTimeoutMs: number;
  now: () => number;
  newId: () => string;
}

/** Applies defaults and asserts the options, so a misconfiguration fails at construction, not at the first send. */
export function resolveOptions(opts: PushClientOptions): ResolvedOptions {
  if (!opts.serviceToken) throw new TypeError('PushClient: serviceToken is required');
  if (!opts.registry && !opts.registryUrl) throw new TypeError('PushClient: give registryUrl or registry');
  if (opts.registry && opts.registryUrl) throw new TypeError('PushClient: give registryUrl or registry, not both');
  const resolved: ResolvedOptions = {
    serviceToken: opts.serviceToken,
    routeCacheTtlMs: opts.routeCacheTtlMs ?? 2000,
    routeCacheMaxEntries: opts.routeCacheMaxEntries ?? 100_000,
    batchMaxSize: opts.batchMaxSize ?? 256,
    batchDelayMs: opts.batchDelayMs ?? 0,
    requestTimeoutMs: opts.requestTimeoutMs ?? 15_000,
    now: opts.now ?? Date.now,
    newId: opts.newId ?? randomUUID,
  };
  assertInt('routeCacheTtlMs', resolved.routeCacheTtlMs, 0);
  assertInt('routeCacheMaxEntries', resolved.routeCacheMaxEntries, 1);
  assertInt('batchMaxSize', resolved.batchMaxSize, 1, MAX_DELIVERY_BATCH);
  assertInt('batchDelayMs', resolved.batchDelayMs, 0);
  assertInt('requestTimeoutMs', resolved.requestTimeoutMs, 1);
  return resolved;
}

function assertInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`PushClient: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}
