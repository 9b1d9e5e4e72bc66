import {
  MAX_REGISTRY_BATCH,
  type BroadcastResult,
  type DeviceRef,
  type PublishResult,
  type PushMessage,
  type PushTarget,
  type Registration,
} from '@pushwire/protocol';
import { EdgeClient } from '@pushwire/edge-client';
import {
  HttpInboxClient,
  HttpRegistryClient,
  RouteCache,
  type InboxClient,
  type RegistryClient,
  type RouteRefresh,
} from '@pushwire/registry-client';
import { Coalescer } from './coalescer';
import { Dispatcher, type Job, type Outcome } from './dispatcher';
import {
  Enqueuer,
  type EnqueueItem,
  type EnqueueManyOptions,
  type EnqueueManyResult,
  type EnqueueOptions,
  type EnqueueResult,
} from './enqueue';
import { PushClientError, registryUnavailable } from './errors';
import { InboxFallback, withStoreTtl } from './inbox-fallback';
import { assertAccountId, assertTarget, buildMessage } from './message';
import {
  DEFAULT_STORE_TTL_SECONDS,
  resolveOptions,
  type AccountSendResult,
  type PushClientOptions,
  type ResolvedOptions,
  type SendOptions,
  type SendResult,
} from './options';
import { TopicPublisher, type BroadcastOptions, type PublishOptions } from './topic-publish';
import { messageSpan, recordingContext, SpanKind } from './tracing';

/** Deadline of registry lookups when the client builds its own registry client. */
const REGISTRY_TIMEOUT_MS = 5000;

/** One item of `sendMany`: like `enqueueMany`'s, a target naming its account and device. */
export interface SendManyItem {
  target: PushTarget;
  payload: unknown;
  options?: SendOptions;
}

/**
 * Direct push: send a message to a device (or to every device of an account) now and get its
 * delivery status back. Every target names its account (`{ accountId, deviceId }`): a device id
 * means something only inside its account, so a send can never reach another account's device that
 * happens to have the same id — and a call that names none does not compile. Routes come from the registry (cached for `routeCacheTtlMs`), messages go to
 * the owning edge's delivery API, and sends made together share one lookup and one request per edge.
 *
 * Store-and-forward (`storeIfOffline`): a send to a device that cannot be reached now keeps the
 * message in the device's inbox, delivered when it connects to any edge (until its TTL ends), and
 * answers `stored`; the final outcome follows on `pushwire.push-outcomes` (InboxFallback).
 *
 * Indirect push (`enqueue`): publish the message to the event bus for the message processor, which
 * delivers it later with retries and reports the outcome on `pushwire.push-outcomes`. A bus outage
 * is ridden out within `enqueueTimeoutMs` (default 10 s).
 *
 * Topics and broadcast (`publish`, `broadcast`): append one message to the topic log, which every
 * edge reads, for every device subscribed to the topic (or every connected device); the answer is
 * the message's offset and epoch in that log.
 *
 * `backpressure` and `rate_limited` are returned, not retried: a direct send answers now, and only
 * the caller knows whether its message is still worth sending after `retryAfterMs` (indirect push,
 * through Kafka and the message processor, is the path that retries for you).
 */
export class PushClient {
  private readonly options: ResolvedOptions;
  private readonly registry: RegistryClient;
  private readonly ownsRegistry: boolean;
  private readonly edges: EdgeClient;
  private readonly cache: RouteCache;
  private readonly dispatcher: Dispatcher;
  private readonly enqueuer: Enqueuer;
  private readonly topics: TopicPublisher;
  private readonly coalescer: Coalescer<Job>;
  private readonly inbox: InboxClient | undefined;
  private readonly ownsInbox: boolean;
  private readonly fallback: InboxFallback | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(opts: PushClientOptions) {
    this.options = resolveOptions(opts);
    const { serviceToken, requestTimeoutMs } = this.options;
    this.ownsRegistry = !opts.registry;
    // Lookups never wait for a device, so they keep a short deadline even when edge calls must
    // outlast the ack timeout.
    this.registry =
      opts.registry ??
      new HttpRegistryClient({ baseUrl: opts.registryUrl!, serviceToken, timeoutMs: Math.min(requestTimeoutMs, REGISTRY_TIMEOUT_MS) });
    this.edges = new EdgeClient({ serviceToken, timeoutMs: requestTimeoutMs });
    this.cache = new RouteCache(this.options.routeCacheTtlMs, this.options.routeCacheMaxEntries, this.options.now, this.routeRefresh());
    this.dispatcher = new Dispatcher(this.registry, this.edges, this.cache, this.options.batchMaxSize, this.options.journal);
    this.enqueuer = new Enqueuer(opts.bus, this.options);
    this.topics = new TopicPublisher(opts.bus, this.options);
    // Stores are quick like lookups (they never wait for a device): the same short deadline.
    const inboxTimeoutMs = Math.min(requestTimeoutMs, REGISTRY_TIMEOUT_MS);
    this.ownsInbox = !opts.inbox && !!opts.registryUrl;
    this.inbox =
      opts.inbox ??
      (opts.registryUrl ? new HttpInboxClient({ baseUrl: opts.registryUrl, serviceToken, timeoutMs: inboxTimeoutMs }) : undefined);
    this.fallback = this.inbox ? new InboxFallback(this.inbox, this.dispatcher, this.options.now) : undefined;
    // A full registry lookup's worth of sends is dispatched without waiting for the tick to end.
    const maxPending = Math.max(this.options.batchMaxSize, MAX_REGISTRY_BATCH);
    this.coalescer = new Coalescer(this.options.batchDelayMs, maxPending, (jobs) => this.startDispatch(jobs));
  }

  /**
   * Sends one message to device `target.deviceId` of account `target.accountId` and resolves with its
   * delivery status (`delivered`, `acknowledged` with `ack`, `not_connected`, `backpressure` …;
   * with `storeIfOffline`, `stored` / `overflow` instead of `not_connected`). Rejects with
   * PushClientError when the target or message is invalid or the registry or the edge cannot be
   * reached (with `storeIfOffline`, an unreachable edge is `stored` when the inbox takes it).
   */
  async send(target: PushTarget, payload: unknown, opts?: SendOptions): Promise<SendResult> {
    this.assertOpen();
    assertTarget(target);
    const message = this.messageOf(payload, opts);
    return messageSpan(
      'pushwire send',
      SpanKind.CLIENT,
      message.id,
      target,
      () => this.sendNow(target, message, opts),
      (r) => r.status,
    );
  }

  private async sendNow(target: PushTarget, message: PushMessage, opts: SendOptions | undefined): Promise<SendResult> {
    const { done } = this.addJob(target, message, opts);
    const outcome = await done;
    if ('error' in outcome) throw outcome.error;
    return outcome.result;
  }

  /**
   * Sends many messages together and resolves with one result per item, in order. Never rejects
   * for one item's sake: an invalid item comes back `rejected`, an unreachable registry or edge
   * `unavailable`, each with `error` saying why.
   */
  async sendMany(items: SendManyItem[]): Promise<SendResult[]> {
    this.assertOpen();
    return Promise.all(items.map((item) => this.sendOne(item)));
  }

  /**
   * Sends one message to every live device of the account and resolves with one result per device
   * (an empty list when it has none). All devices get the same message id. Like `sendMany`, never
   * rejects for one device's sake (an unreachable edge is that device's `unavailable`); rejects with
   * PushClientError when the message is invalid or the registry cannot list the account's devices.
   */
  async sendToAccount(accountId: string, payload: unknown, opts?: SendOptions): Promise<AccountSendResult> {
    this.assertOpen();
    assertAccountId(accountId);
    const message = this.messageOf(payload, opts);
    return this.track(this.fanOut(accountId, message, opts));
  }

  /**
   * Indirect push: publishes the message for device `target.deviceId` of account `target.accountId`
   * to `pushwire.push-requests.<priority>` (default normal), keyed by the target device (account and
   * id), and resolves once the bus has stored it. While the bus is down (a broker outage, a leader
   * moving) it keeps trying, with the same record and message id, for `enqueueTimeoutMs` (the call's,
   * else the client's, default 10 s). Rejects with PushClientError: `invalid_message` before
   * publishing anything, `unavailable` (retriable) when the bus did not take it by the deadline (or
   * refused it for good: then not retriable), `not_configured` when the client has no `bus`.
   */
  async enqueue(target: PushTarget, payload: unknown, opts?: EnqueueOptions): Promise<EnqueueResult> {
    this.assertOpen();
    return this.track(this.enqueuer.enqueue(target, payload, opts));
  }

  /**
   * Enqueues many messages with one publish per priority topic and resolves with one result per
   * item, in order. Like `enqueue`, rides out a bus outage within `opts.enqueueTimeoutMs` (default:
   * the client's). Never rejects for one item's sake: an invalid item, or one whose topic the bus did
   * not take by then, comes back with `error` (only the valid items are published).
   */
  async enqueueMany(items: EnqueueItem[], opts?: EnqueueManyOptions): Promise<EnqueueManyResult[]> {
    this.assertOpen();
    return this.track(this.enqueuer.enqueueMany(items, opts));
  }

  /**
   * Publishes one message to every device subscribed to `topic`, on every edge: appends a topic
   * record (key: the topic) to the topic log and resolves with its place there, `{topic, id,
   * offset, epoch}` (offsets grow with every message of the log; a device resubscribing with the
   * offset and epoch of its last message recovers what followed). Rides out a bus outage within
   * `timeoutMs` (default: the client's `enqueueTimeoutMs`). Rejects with PushClientError:
   * `invalid_message` (a bad topic name, id, TTL or priority, a payload that is not JSON, too deep
   * or larger than `maxMessageBytes`) before appending anything, `unavailable` when the bus did not
   * take it by the deadline, `not_configured` when the client's `bus` is missing or is no EventLog.
   */
  async publish(topic: string, payload: unknown, opts?: PublishOptions): Promise<PublishResult> {
    this.assertOpen();
    return this.track(this.topics.publish(topic, payload, opts));
  }

  /**
   * Sends one message to every connected device (or only to those of `deviceTypes`), on every edge:
   * appends a broadcast record to the topic log and resolves with `{id, offset, epoch}`. Rejects
   * as `publish` does.
   */
  async broadcast(payload: unknown, opts?: BroadcastOptions): Promise<BroadcastResult> {
    this.assertOpen();
    return this.track(this.topics.broadcast(payload, opts));
  }

  /** Dispatches what is pending, waits for every send and enqueue under way, then closes the HTTP pools (never the bus, nor a registry or inbox client it was given). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.coalescer.flush();
    await Promise.allSettled([...this.inFlight]);
    await Promise.all([
      this.edges.close(),
      this.ownsRegistry ? this.registry.close() : undefined,
      this.ownsInbox ? this.inbox?.close() : undefined,
    ]);
  }

  private async sendOne({ target, payload, options }: SendManyItem): Promise<SendResult> {
    let message: PushMessage;
    try {
      assertTarget(target);
      message = this.messageOf(payload, options);
    } catch (e) {
      // Echo what the caller named, whatever it was, so the result still says which item it answers.
      const named = (target ?? {}) as Partial<PushTarget>;
      return {
        accountId: String(named.accountId ?? ''),
        deviceId: String(named.deviceId ?? ''),
        messageId: String(options?.id ?? ''),
        status: 'rejected',
        attempts: 0,
        error: describe(e),
      };
    }
    return this.deliver(target, message, options);
  }

  /** The message of a send; a `storeIfOffline` one carries its TTL (the inbox keeps it that long) and needs an inbox. */
  private messageOf(payload: unknown, opts: SendOptions | undefined): PushMessage {
    if (!opts?.storeIfOffline) return buildMessage(payload, opts, this.options);
    if (opts.inboxed)
      throw new PushClientError(
        'invalid_message',
        'storeIfOffline and inboxed exclude each other: an inboxed message is stored already',
        false,
      );
    if (!this.fallback) {
      throw new PushClientError(
        'not_configured',
        'storeIfOffline needs the device inboxes: create the PushClient with `inbox` (or `registryUrl`)',
        false,
      );
    }
    return buildMessage(payload, withStoreTtl(opts, DEFAULT_STORE_TTL_SECONDS), this.options);
  }

  private async fanOut(accountId: string, message: PushMessage, opts: SendOptions | undefined): Promise<AccountSendResult> {
    let devices: Registration[];
    try {
      devices = await this.registry.listByAccount(accountId);
    } catch (e) {
      throw registryUnavailable(`listing the devices of account ${accountId}`, e);
    }
    // The listing holds each device's live route: cached, the dispatch needs no second lookup, and
    // fencing still sends a stale one back to the registry once.
    for (const route of devices) this.cache.set(route);
    const results = await Promise.all(devices.map((route) => this.deliver(route, message, opts)));
    return { accountId, results };
  }

  /** One device's delivery through the dispatcher, a failure reported as its `unavailable` result. */
  private async deliver(device: DeviceRef, message: PushMessage, opts: SendOptions | undefined): Promise<SendResult> {
    const { job, done } = this.addJob(device, message, opts);
    const outcome = await done;
    if (!('error' in outcome)) return outcome.result;
    const { accountId, deviceId } = job.target;
    return { accountId, deviceId, messageId: message.id, status: 'unavailable', attempts: job.attempts, error: describe(outcome.error) };
  }

  private addJob(device: DeviceRef, message: PushMessage, opts: SendOptions | undefined): { job: Job; done: Promise<Outcome> } {
    const sentAt = this.options.now();
    const inboxed = opts?.inboxed ?? false;
    let settle!: (outcome: Outcome) => void;
    const dispatched = new Promise<Outcome>((resolve) => (settle = resolve));
    // A copy of just the two ids: a registration (sendToAccount) or a caller's object carries more.
    const job: Job = {
      target: { accountId: device.accountId, deviceId: device.deviceId },
      message,
      attempts: 0,
      settle,
      ...(inboxed ? { inboxed } : {}),
      trace: recordingContext(),
    };
    this.coalescer.add(job);
    const { fallback } = this;
    // Tracked: close() waits for the storing and the race closure too, not only the first dispatch.
    const done = opts?.storeIfOffline && fallback ? this.track(dispatched.then((o) => fallback.settle(job, o, sentAt))) : dispatched;
    return { job, done };
  }

  /**
   * Stale-while-revalidate for the route cache (routeRefreshAheadMs): the background lookups are
   * tracked, so close() waits for them too. A failed one is dropped quietly: the route is kept until
   * its end, and the send after that looks it up itself and reports the failure.
   */
  private routeRefresh(): RouteRefresh | undefined {
    const aheadMs = this.options.routeRefreshAheadMs;
    if (aheadMs === 0) return undefined;
    return {
      aheadMs,
      lookup: async (devices) => {
        if (this.closed) throw new Error('PushClient is closed');
        return (await this.track(this.registry.lookup(devices))).registrations;
      },
    };
  }

  private startDispatch(jobs: Job[]): void {
    void this.track(this.dispatcher.dispatch(jobs)); // never rejects: each job is settled
  }

  /** Keeps work that started before close() in the set close() waits for. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('PushClient is closed');
  }
}

function describe(e: unknown): string {
  return e instanceof PushClientError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
}
