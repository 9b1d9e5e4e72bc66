import type { ClientFrame, ServerFrame, SubscribeStatus } from '@pushwire/protocol';
import { Phase, type Connection } from '../connection';
import type { LocalSubscribers } from './local-subscribers';
import type { TopicHistoryView } from './topic-history';
import type { TopicPolicy } from './topic-policy';

export type TopicRequestFrame = Extract<ClientFrame, { type: 'subscribe' | 'unsubscribe' }>;
type SubscribeRequest = Extract<TopicRequestFrame, { type: 'subscribe' }>;

/** The edge config's fields of these names. */
export interface TopicSubscriptionsOptions {
  /** PUSHWIRE_EDGE_MAX_TOPICS_PER_CONNECTION. */
  maxTopicsPerConnection: number;
  /** How long a subscribe waits for the history to load before it is answered `unavailable` (5 s). */
  readyWaitMs: number;
}

/** What subscriptions count (pushwire_edge_topic_* metrics). */
export interface SubscriptionMetrics {
  refused(status: Exclude<SubscribeStatus, 'subscribed'>): void;
  recovery(result: 'hit' | 'miss'): void;
  /** Recovered frames written after a subscribe.result. */
  delivered(kind: 'topic', n: number): void;
}

export interface TopicSubscriptionsDeps {
  subscribers: LocalSubscribers;
  /** The topic history; undefined when this edge reads no topic log (every subscribe is `unavailable`). */
  history: TopicHistoryView | undefined;
  policy: TopicPolicy;
  send(c: Connection, frame: ServerFrame): void;
  /** Writes a frame already encoded (the history's recovered frames). */
  sendText(c: Connection, text: string): void;
  metrics?: SubscriptionMetrics;
  now?: () => number;
}

/** A subscribe waiting for the history to be ready. */
interface Waiting {
  readonly c: Connection;
  readonly frame: SubscribeRequest;
  /** Epoch ms after which it is answered `unavailable`. */
  readonly until: number;
}

/** How often waiting subscribes are checked for their deadline: one timer for the edge, only while any wait. */
const WAIT_CHECK_MS = 100;
/** Waiting subscribes the edge holds at most (each connection's share is bounded by the frame rate). */
const MAX_WAITING = 100_000;

/**
 * Answers `subscribe` and `unsubscribe` (docs/protocol.md, "Topics and broadcast"): the policy
 * first (`forbidden`), then the per-connection limit (`limit_exceeded`); while the topic history is
 * still loading, a subscribe waits (bounded, one timer for all) and is then answered or refused
 * `unavailable`. A subscription is answered with the history's position, and with `since` the
 * recovered frames follow the answer in the same synchronous turn, so no live message can come
 * between them (uWS keeps sends and publishes to a socket in order).
 */
export class TopicSubscriptions {
  private readonly now: () => number;
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Whether the waiting subscribes are answered the moment the history is ready (hooked once). */
  private readyHooked = false;

  constructor(
    private readonly opts: TopicSubscriptionsOptions,
    private readonly deps: TopicSubscriptionsDeps,
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** Subscribes waiting for the history (tests, metrics). */
  get pending(): number {
    return this.waiting.length;
  }

  handle(c: Connection, frame: TopicRequestFrame): void {
    if (frame.type === 'unsubscribe') {
      const removed = this.deps.subscribers.remove(c, frame.topic);
      this.deps.send(c, {
        type: 'unsubscribe.result',
        reqId: frame.reqId,
        topic: frame.topic,
        status: removed ? 'unsubscribed' : 'not_subscribed',
      });
      return;
    }
    const history = this.deps.history;
    if (!history) return this.refuse(c, frame, 'unavailable');
    if (!this.deps.policy.mayAccess(c, frame.topic)) return this.refuse(c, frame, 'forbidden');
    if (history.ready) return this.subscribe(c, frame, history);
    if (this.waiting.length >= MAX_WAITING) return this.refuse(c, frame, 'unavailable');
    this.waiting.push({ c, frame, until: this.now() + this.opts.readyWaitMs });
    if (!this.readyHooked) {
      this.readyHooked = true;
      void history.whenReady().then(() => this.checkWaiting());
    }
    if (!this.timer) {
      this.timer = setInterval(() => this.checkWaiting(), WAIT_CHECK_MS);
      this.timer.unref();
    }
  }

  /** Stops waiting: every waiting subscribe is dropped (the edge is stopping and closes its connections). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.waiting = [];
  }

  private checkWaiting(): void {
    const history = this.deps.history;
    const ready = history?.ready ?? false;
    const now = this.now();
    const still: Waiting[] = [];
    for (const w of this.waiting) {
      if (w.c.phase === Phase.Closed) continue;
      if (ready) this.subscribe(w.c, w.frame, history!);
      else if (now >= w.until) this.refuse(w.c, w.frame, 'unavailable');
      else still.push(w);
    }
    this.waiting = still;
    if (still.length === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private subscribe(c: Connection, frame: SubscribeRequest, history: TopicHistoryView): void {
    const subscribers = this.deps.subscribers;
    // Subscribing again to a topic the connection has is answered like a first subscribe.
    if (!subscribers.has(c, frame.topic)) {
      if (subscribers.countOf(c) >= this.opts.maxTopicsPerConnection) return this.refuse(c, frame, 'limit_exceeded');
      subscribers.add(c, frame.topic);
    }
    const position = history.position();
    const answer = { type: 'subscribe.result', reqId: frame.reqId, topic: frame.topic, status: 'subscribed', ...position } as const;
    if (!frame.since) {
      this.deps.send(c, answer);
      return;
    }
    const recovery = history.recover(frame.topic, frame.since);
    this.deps.metrics?.recovery(recovery.recovered ? 'hit' : 'miss');
    this.deps.send(c, { ...answer, recovered: recovery.recovered });
    for (const text of recovery.frames) this.deps.sendText(c, text);
    if (recovery.frames.length > 0) this.deps.metrics?.delivered('topic', recovery.frames.length);
  }

  private refuse(c: Connection, frame: SubscribeRequest, status: Exclude<SubscribeStatus, 'subscribed'>): void {
    this.deps.metrics?.refused(status);
    this.deps.send(c, { type: 'subscribe.result', reqId: frame.reqId, topic: frame.topic, status });
  }
}
