import { randomUUID } from 'node:crypto';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  MAX_DELIVERY_BATCH,
  type DeliveryStatus,
  type Priority,
  type JournalRecorder,
} from '@pushwire/protocol';
import type { EventBus } from '@pushwire/event-bus/core';
import type { InboxClient, RegistryClient } from '@pushwire/registry-client';

/** TTL of a `storeIfOffline` send that gives no `ttlSeconds`: an hour, as the message processor's default (PUSHWIRE_PROCESSOR_DEFAULT_TTL_SECONDS). */
export const DEFAULT_STORE_TTL_SECONDS = 3600;
/** How long `enqueue` keeps trying while the event bus is down, by default. */
export const DEFAULT_ENQUEUE_TIMEOUT_MS = 10_000;

/** How a PushClient finds devices and reaches edges. Every field states its default. */
export interface PushClientOptions {
  /** Base URL of the registry HTTP API. Give this or `registry`. */
  registryUrl?: string;
  /** A registry client to use instead of building one from `registryUrl`; the caller keeps owning it (close() leaves it open). */
  registry?: RegistryClient;
  /**
   * Where `enqueue` publishes push requests (indirect push) and `publish` / `broadcast` append to the
   * topic log: a KafkaEventBus in a cluster, the in-memory bus in the all-in-one. The caller keeps
   * owning it (close() leaves it open). Typed EventBus so that a bus without the topic log still
   * serves `enqueue`; `publish` / `broadcast` need it to implement EventLog too (both adapters do)
   * and reject with `not_configured` otherwise. Default: none, and `enqueue`, `publish` and
   * `broadcast` reject with `not_configured`; direct push needs no bus.
   */
  bus?: EventBus;
  /**
   * The edges' largest frame (PUSHWIRE_MAX_MESSAGE_BYTES): `publish` / `broadcast` refuse a payload
   * larger, which no edge could deliver. Default DEFAULT_MAX_MESSAGE_BYTES (64 KiB).
   */
  maxMessageBytes?: number;
  /**
   * How long `enqueue` / `enqueueMany` (and `publish` / `broadcast`) keep retrying a publish the bus refused as retriable (a broker
   * down, a leader moving) before rejecting with `unavailable`. Each call may give its own. Default
   * 10 000 ms.
   */
  enqueueTimeoutMs?: number;
  /**
   * The device inboxes `storeIfOffline` sends are kept in (the registry's /v1/inbox). Default: an
   * HttpInboxClient on `registryUrl`; with `registry` and no `inbox`, `storeIfOffline` sends reject
   * with `not_configured`. The caller keeps owning one it gives (close() leaves it open).
   */
  inbox?: InboxClient;
  /** Shared service token for the registry and the edges' internal ports. Required. */
  serviceToken: string;
  /**
   * How long a looked-up route (device → registration) is reused. Default 30 000 ms, as the edges'
   * d2d routes (PUSHWIRE_D2D_ROUTE_CACHE_SECONDS): every delivery is fenced by its connection id, so
   * a route that went stale costs one `gone` and one fresh lookup, never a wrong delivery; and
   * routes in use are refreshed ahead of their end (routeRefreshAheadMs).
   */
  routeCacheTtlMs?: number;
  /**
   * Stale-while-revalidate: a cached route used within this many ms of its end is looked up again
   * in the background (one lookup per device at a time, the routes that came due together in one
   * call) while sends keep using it, so a device sent to steadily never waits for a lookup of a
   * route that was known. Edges still fence every delivery (a stale route answers `gone` and gets
   * one fresh lookup). Default 10 000 ms (as PUSHWIRE_D2D_ROUTE_REFRESH_AHEAD_SECONDS); 0: routes
   * just end and the next send waits for a lookup.
   */
  routeRefreshAheadMs?: number;
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
  /**
   * Where a client running inside a Pushwire service (the message processor, the all-in-one)
   * records `accepted` and `routed` of each message for `pushctl trace`. Default: nowhere.
   */
  journal?: JournalRecorder;
}

/** Per-message options of `send`. */
export interface SendOptions {
  /** Message id; devices de-duplicate on it. Default: a generated UUID. */
  id?: string;
  /** Ask the device to acknowledge; the result is then `acknowledged` or `ack_timeout`. Default false. */
  ack?: boolean;
  /**
   * Drop the message when it cannot be delivered within this many seconds. Default: the edge's; with
   * `storeIfOffline`, DEFAULT_STORE_TTL_SECONDS (3600), written into the message, since it bounds
   * how long the inbox keeps it.
   */
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
  /**
   * Store-and-forward: when the device cannot be reached now (`not_connected`, or after the one fresh
   * lookup `gone` or an unreachable edge), keep the message in the device's inbox until it connects
   * or its TTL ends, and answer `stored` (or `overflow` when the inbox is full, `expired` when the
   * TTL already ended). Its final outcome (delivered, acknowledged, expired, collapsed) is reported
   * on `pushwire.push-outcomes` by whoever takes it out of the inbox. A device that connects while
   * the message is being stored gets it at once: after storing, the client looks the device up
   * afresh and, if it is routable, delivers it (answering `delivered` / `acknowledged`, with
   * `storedAt`). Needs an inbox (`PushClientOptions.inbox` or `registryUrl`). Default false: the
   * answers stay those of a plain send.
   */
  storeIfOffline?: boolean;
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
  /**
   * `storeIfOffline` only: when the message went into the device's inbox (epoch ms). Present with
   * `stored`, and with `delivered` / `acknowledged` when the delivery right after storing reached
   * the device (the inbox entry is then taken out by the edge, which reports the final outcome).
   * Absent from a `stored` whose `error` says the inbox already had this message id (a retried
   * send: the first one stored it, or it already had its final outcome).
   */
  storedAt?: number;
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
  routeRefreshAheadMs: number;
  routeCacheMaxEntries: number;
  batchMaxSize: number;
  batchDelayMs: number;
  requestTimeoutMs: number;
  enqueueTimeoutMs: number;
  maxMessageBytes: number;
  now: () => number;
  newId: () => string;
  /** Undefined when none was given: nothing is recorded (nor built to be recorded). */
  journal: JournalRecorder | undefined;
}

/** Applies defaults and asserts the options, so a misconfiguration fails at construction, not at the first send. */
export function resolveOptions(opts: PushClientOptions): ResolvedOptions {
  if (!opts.serviceToken) throw new TypeError('PushClient: serviceToken is required');
  if (!opts.registry && !opts.registryUrl) throw new TypeError('PushClient: give registryUrl or registry');
  if (opts.registry && opts.registryUrl) throw new TypeError('PushClient: give registryUrl or registry, not both');
  const resolved: ResolvedOptions = {
    serviceToken: opts.serviceToken,
    routeCacheTtlMs: opts.routeCacheTtlMs ?? 30_000,
    routeRefreshAheadMs: opts.routeRefreshAheadMs ?? 10_000,
    routeCacheMaxEntries: opts.routeCacheMaxEntries ?? 100_000,
    batchMaxSize: opts.batchMaxSize ?? 256,
    batchDelayMs: opts.batchDelayMs ?? 0,
    requestTimeoutMs: opts.requestTimeoutMs ?? 15_000,
    enqueueTimeoutMs: opts.enqueueTimeoutMs ?? DEFAULT_ENQUEUE_TIMEOUT_MS,
    maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    now: opts.now ?? Date.now,
    newId: opts.newId ?? randomUUID,
    journal: opts.journal,
  };
  assertInt('routeCacheTtlMs', resolved.routeCacheTtlMs, 0);
  assertInt('routeRefreshAheadMs', resolved.routeRefreshAheadMs, 0);
  assertInt('routeCacheMaxEntries', resolved.routeCacheMaxEntries, 1);
  assertInt('batchMaxSize', resolved.batchMaxSize, 1, MAX_DELIVERY_BATCH);
  assertInt('batchDelayMs', resolved.batchDelayMs, 0);
  assertInt('requestTimeoutMs', resolved.requestTimeoutMs, 1);
  assertInt('enqueueTimeoutMs', resolved.enqueueTimeoutMs, 1);
  assertInt('maxMessageBytes', resolved.maxMessageBytes, 1);
  return resolved;
}

function assertInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`PushClient: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}
