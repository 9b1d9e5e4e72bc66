import { fullJitterDelay } from '@pushwire/backoff';
import type { ClientFrame, ServerFrameOf, TopicPosition } from '@pushwire/protocol/core';
import { DeviceClientError, toClientError } from './errors';
import type { ReplyOf } from './pending-requests';
import type { SubscribeOptions, TopicHandler, TopicMessage, TopicRecovery, TopicSubscription } from './topic-types';
import { unrefTimeout } from './timers';

/** What the subscriptions need of the client. */
export interface TopicHost {
  /** Sends a request on the open connection (see DeviceClient.request); `build` is called synchronously with the reqId. */
  request<K extends 'subscribe' | 'unsubscribe'>(kind: K, build: (reqId: string) => ClientFrame, timeoutMs?: number): Promise<ReplyOf[K]>;
  connected(): boolean;
  recovery(event: TopicRecovery): void;
  error(error: DeviceClientError): void;
  random(): number;
}

/** A subscribe on the wire: a first one (the app awaits it) or the renewal of `sub` after a reconnect. */
interface InFlight {
  topic: string;
  since?: TopicPosition;
  handler: TopicHandler;
  sub?: LiveSubscription;
  /** Set by the `subscribe.result` of a first subscribe. */
  created?: LiveSubscription;
  invalid?: DeviceClientError;
}

/** Backoff of a renewal the edge refused for now (`unavailable`, no answer in time): base and cap. */
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 30_000;

/** Request failures that end with the connection: the next `welcome` renews the subscription anyway. */
const CONNECTION_ENDED = new Set(['connection_lost', 'not_connected', 'closed']);

class LiveSubscription implements TopicSubscription {
  active = true;
  /** Of the last message whose handler finished (what a resubscribe asks to resume after). */
  position: TopicPosition;
  /** Of the last message handed to the handler: anything at or before it is a repeat. */
  arrived: TopicPosition;

  constructor(
    readonly topic: string,
    readonly handler: TopicHandler,
    at: TopicPosition,
    private readonly owner: TopicSubscriptions,
  ) {
    this.position = at;
    this.arrived = at;
  }

  unsubscribe(): Promise<void> {
    return this.owner.unsubscribe(this);
  }
}

/**
 * The client's topic subscriptions (docs/protocol.md, "Topics and broadcast"): subscribe and
 * unsubscribe requests, each topic's messages to its handler in order and at most once per
 * subscription (a message at or before the subscription's position in the same epoch is a repeat),
 * and after every reconnect a renewal of each subscription with `since` = its position, answered
 * as 'topic.recovery'. A renewal refused for good (`forbidden` after a token change, say) ends the
 * subscription with an 'error'; one refused for now (`unavailable`, a timeout) is retried with backoff.
 */
export class TopicSubscriptions {
  private readonly subs = new Map<string, LiveSubscription>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly retries = new Set<ReturnType<typeof setTimeout>>();
  /** Bumped by every renew() and clear(): retries scheduled on an older connection stop. */
  private connection = 0;
  /**
   * Subscriptions answered `recovered: true` whose recovered messages (up to the result's offset)
   * may still be coming. The edge writes them right after the result, so the first frame that is
   * not one of them proves they all came: the position then moves up to the result's, so a quiet
   * topic resumes from a recent position (which a restarted edge's history still covers) rather
   * than from its last message long ago.
   */
  private readonly recovering = new Map<LiveSubscription, TopicPosition>();

  constructor(private readonly host: TopicHost) {}

  async subscribe(topic: string, handler: TopicHandler, options: SubscribeOptions = {}): Promise<TopicSubscription> {
    if (typeof handler !== 'function') throw new DeviceClientError('invalid_request', 'subscribe needs a handler function');
    if (this.subs.has(topic) || [...this.inFlight.values()].some((f) => f.topic === topic && !f.sub)) {
      throw new DeviceClientError('invalid_request', `already subscribed to ${topic}: unsubscribe first`);
    }
    const { since, timeoutMs } = options;
    const entry: InFlight = { topic, handler, ...(since ? { since } : {}) };
    let reqId: string | undefined;
    try {
      const result = await this.host.request('subscribe', (id) => this.send(entry, (reqId = id)), timeoutMs);
      if (result.status !== 'subscribed') throw refusal(result);
      if (entry.invalid || !entry.created) throw entry.invalid ?? new DeviceClientError('invalid_frame', `no subscription for ${topic}`);
      return entry.created;
    } finally {
      if (reqId !== undefined) this.inFlight.delete(reqId);
    }
  }

  /**
   * A `subscribe.result`, before the request is settled: called synchronously as the frame arrives,
   * since the recovered messages the edge writes right after it may be handled before any promise
   * continuation runs.
   */
  onResult(frame: ServerFrameOf<'subscribe.result'>): void {
    const entry = this.inFlight.get(frame.reqId);
    if (!entry || frame.status !== 'subscribed') return;
    this.inFlight.delete(frame.reqId);
    if (frame.topic !== entry.topic || frame.offset === undefined || frame.epoch === undefined) {
      entry.invalid = new DeviceClientError(
        'invalid_frame',
        `subscribe.result for ${entry.topic} names ${frame.topic} or has no offset or epoch`,
      );
      return;
    }
    const now = { offset: frame.offset, epoch: frame.epoch };
    // Recovered: the missed messages follow, so the subscription stays where it was until they come.
    const at = entry.since && frame.recovered === true ? entry.since : now;
    let sub = entry.sub;
    if (!sub) {
      sub = entry.created = new LiveSubscription(entry.topic, entry.handler, at, this);
      this.subs.set(entry.topic, sub);
    } else if (this.subs.get(sub.topic) !== sub) {
      return; // unsubscribed while the renewal was on the wire
    } else if (frame.recovered !== true) {
      sub.position = sub.arrived = now;
    }
    if (entry.since && frame.recovered === true) this.recovering.set(sub, now);
    if (entry.since) this.host.recovery({ topic: entry.topic, recovered: frame.recovered === true });
  }

  /** A `topic.message`: to its subscription's handler unless it is a repeat or nobody subscribes. */
  onMessage(frame: ServerFrameOf<'topic.message'>): void {
    this.settleRecoveries(frame);
    const sub = this.subs.get(frame.topic);
    // After an unsubscribe, or before a first subscribe.result (the edge writes the result first).
    if (!sub) return;
    if (frame.epoch === sub.arrived.epoch && frame.offset <= sub.arrived.offset) return;
    const { type: _type, ...message } = frame;
    sub.arrived = { offset: frame.offset, epoch: frame.epoch };
    let handling: Promise<void> | undefined;
    try {
      handling = sub.handler(message) as Promise<void> | undefined;
    } catch (e) {
      this.handlerFailed(sub, e);
    }
    if (handling && typeof handling.then === 'function') {
      handling.then(
        () => this.handled(sub, message),
        (e: unknown) => (this.handlerFailed(sub, e), this.handled(sub, message)),
      );
    } else this.handled(sub, message);
  }

  /** A new connection (`welcome`): subscribes again to every live topic, resuming from its position. */
  /** Any frame other than a `topic.message`, before it is handled: recoveries in progress are complete. */
  onOtherFrame(): void {
    this.settleRecoveries(undefined);
  }

  renew(): void {
    this.recovering.clear();
    const gen = ++this.connection;
    for (const sub of this.subs.values()) this.resubscribe(sub, gen, 0);
  }

  /** close() or a terminal stop: every subscription ends. */
  clear(): void {
    this.connection++;
    this.recovering.clear();
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    for (const sub of this.subs.values()) sub.active = false;
    this.subs.clear();
  }

  async unsubscribe(sub: LiveSubscription): Promise<void> {
    if (this.subs.get(sub.topic) !== sub) return;
    this.end(sub);
    if (!this.host.connected()) return;
    try {
      await this.host.request('unsubscribe', (reqId) => ({ type: 'unsubscribe', reqId, topic: sub.topic }));
    } catch (e) {
      const error = toClientError(e, 'not_connected', `unsubscribing from ${sub.topic} failed`);
      // The edge forgets topics with the connection: nothing is left to undo.
      if (!CONNECTION_ENDED.has(error.code)) throw error;
    }
  }

  private send(entry: InFlight, reqId: string): ClientFrame {
    this.inFlight.set(reqId, entry);
    return { type: 'subscribe', reqId, topic: entry.topic, ...(entry.since ? { since: entry.since } : {}) };
  }

  private resubscribe(sub: LiveSubscription, gen: number, attempt: number): void {
    const entry: InFlight = { topic: sub.topic, handler: sub.handler, since: sub.position, sub };
    let reqId: string | undefined;
    this.host
      .request('subscribe', (id) => this.send(entry, (reqId = id)))
      .then((result) => {
        if (result.status !== 'subscribed') throw refusal(result);
        if (entry.invalid) throw entry.invalid;
      })
      .catch((e: unknown) => {
        const error = toClientError(e, 'not_connected', `resubscribing to ${sub.topic} failed`);
        if (this.subs.get(sub.topic) !== sub || CONNECTION_ENDED.has(error.code) || gen !== this.connection) return;
        const message = `resubscribing to ${sub.topic} failed (${error.code}): ${error.message}`;
        if (error.retriable) {
          const delay = fullJitterDelay(attempt, RETRY_BASE_MS, RETRY_MAX_MS, () => this.host.random());
          this.host.error(new DeviceClientError(error.code, `${message}; trying again in ${delay} ms`, true, { cause: error }));
          const timer = unrefTimeout(() => {
            this.retries.delete(timer);
            if (gen === this.connection && this.subs.get(sub.topic) === sub) this.resubscribe(sub, gen, attempt + 1);
          }, delay);
          this.retries.add(timer);
          return;
        }
        this.end(sub);
        this.host.error(new DeviceClientError(error.code, `${message}; the subscription ended`, false, { cause: error }));
      })
      .finally(() => {
        if (reqId !== undefined) this.inFlight.delete(reqId);
      });
  }

  private settleRecoveries(frame: ServerFrameOf<'topic.message'> | undefined): void {
    for (const [sub, top] of this.recovering) {
      if (frame && frame.topic === sub.topic && frame.epoch === top.epoch && frame.offset <= top.offset) continue; // one of them
      this.recovering.delete(sub);
      const { arrived, position } = sub;
      // Not while a handler still runs (its end moves the position), nor past anything newer.
      const idle = arrived.offset === position.offset && arrived.epoch === position.epoch;
      if (idle && arrived.epoch === top.epoch && arrived.offset < top.offset) sub.position = sub.arrived = top;
    }
  }

  private handled(sub: LiveSubscription, message: TopicMessage): void {
    // A handler that finishes late must not move the position back, nor into an epoch left behind.
    if (message.epoch !== sub.arrived.epoch) return;
    if (message.epoch === sub.position.epoch && message.offset <= sub.position.offset) return;
    sub.position = { offset: message.offset, epoch: message.epoch };
  }

  private handlerFailed(sub: LiveSubscription, e: unknown): void {
    this.host.error(toClientError(e, 'handler_error', `the handler of topic ${sub.topic} failed`));
  }

  private end(sub: LiveSubscription): void {
    this.recovering.delete(sub);
    sub.active = false;
    this.subs.delete(sub.topic);
  }
}

/** A `subscribe.result` that is not `subscribed`, as the error the subscribe rejects with. */
function refusal(result: ServerFrameOf<'subscribe.result'>): DeviceClientError {
  const why: Record<string, string> = {
    forbidden: 'the token (or the edge policy) does not allow this topic',
    limit_exceeded: 'the connection has as many topics as the edge allows',
    unavailable: 'the edge has not loaded the topic history yet; try again',
  };
  return new DeviceClientError(
    result.status as 'forbidden' | 'limit_exceeded' | 'unavailable',
    `subscribe ${result.topic} refused: ${why[result.status] ?? result.status}`,
  );
}
