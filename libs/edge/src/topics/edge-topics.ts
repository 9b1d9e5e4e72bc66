import type { TemplatedApp } from '@pushwire/uws';
import type { EventBus, EventLog } from '@pushwire/event-bus';
import { fullJitterDelay } from '@pushwire/backoff';
import { PushwireError } from '@pushwire/protocol';
import type { Logger } from '@pushwire/service-kit';
import type { Connection } from '../connection';
import type { EdgeConfig } from '../edge-config';
import type { EdgeMetrics } from '../edge-metrics';
import { sendFrame, sendServerFrame } from '../transport';
import { LocalTopicFanout } from './local-fanout';
import { LocalSubscribers } from './local-subscribers';
import { TopicFeed } from './topic-feed';
import { TopicHistory } from './topic-history';
import { TokenTopicPolicy, type TopicPolicy } from './topic-policy';
import { TopicSubscriptions } from './topic-subscriptions';

/** How long a subscribe waits for the topic history to load before it is answered `unavailable`. */
export const SUBSCRIBE_READY_WAIT_MS = 5000;
/** Backoff of the feed's start while the topic log does not answer (full jitter). */
const START_RETRY_BASE_MS = 500;
const START_RETRY_MAX_MS = 30_000;

export interface EdgeTopicsDeps {
  config: Pick<
    EdgeConfig,
    'maxTopicsPerConnection' | 'topicHistoryMessages' | 'topicHistorySeconds' | 'topicHistoryMaxBytes' | 'topicHistoryMaxTopics'
  >;
  /** The topic log every edge reads in full; none: subscribes are answered `unavailable`, nothing is fanned out. */
  topicLog?: EventBus & EventLog;
  policy?: TopicPolicy;
  /** The device port's uWS app, once built. */
  app: () => TemplatedApp | undefined;
  /** Visits every connection of the edge (its connection table). */
  forEachConnection: (visit: (c: Connection) => void) => void;
  metrics: EdgeMetrics;
  logger: Logger;
  now: () => number;
}

/**
 * The edge's topics and broadcasts, assembled: who subscribes to what (LocalSubscribers), the
 * subscribe/unsubscribe answers (TopicSubscriptions), the fan-out over uWS pub/sub and SSE
 * (LocalTopicFanout) and — when the edge reads a topic log — the history and the feed that fills it
 * and fans each record out. `start()` starts the feed, `stop()` ends it.
 */
export class EdgeTopics {
  readonly subscribers: LocalSubscribers;
  readonly fanout: LocalTopicFanout;
  readonly subscriptions: TopicSubscriptions;
  /** What the edge keeps of the topic log for recovery; none without a topic log. */
  readonly history: TopicHistory | undefined;
  /** Reads the topic log into the history and the fan-out; none without a topic log. */
  private readonly feed: TopicFeed | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: EdgeTopicsDeps) {
    const { metrics } = deps;
    this.subscribers = new LocalSubscribers(deps.app, deps.forEachConnection);
    const deliveries = { topic: metrics.topicDeliveries.labels('topic'), broadcast: metrics.topicDeliveries.labels('broadcast') };
    const delivered = (kind: 'topic' | 'broadcast', n: number) => {
      if (n > 0) deliveries[kind].inc(n);
    };
    this.fanout = new LocalTopicFanout(deps.app, this.subscribers);
    const c = deps.config;
    this.history = deps.topicLog
      ? new TopicHistory({
          maxMessagesPerTopic: c.topicHistoryMessages,
          maxAgeMs: c.topicHistorySeconds * 1000,
          maxBytes: c.topicHistoryMaxBytes,
          maxTopics: c.topicHistoryMaxTopics,
          now: deps.now,
        })
      : undefined;
    this.feed =
      deps.topicLog && this.history
        ? new TopicFeed({
            log: deps.topicLog,
            history: this.history,
            fanout: this.fanout,
            logger: deps.logger,
            metrics: { messageRead: (kind) => metrics.topicMessages.labels(kind).inc(), delivered },
            historySeconds: c.topicHistorySeconds,
            now: deps.now,
          })
        : undefined;
    this.subscriptions = new TopicSubscriptions(
      { maxTopicsPerConnection: deps.config.maxTopicsPerConnection, readyWaitMs: SUBSCRIBE_READY_WAIT_MS },
      {
        subscribers: this.subscribers,
        history: this.history,
        policy: deps.policy ?? new TokenTopicPolicy(),
        send: (c, frame) => void sendServerFrame(c, frame),
        sendText: (c, text) => void sendFrame(c, text),
        metrics: {
          refused: (status) => metrics.topicRefusals.labels(status).inc(),
          recovery: (result) => metrics.topicRecoveries.labels(result).inc(),
          delivered,
        },
        now: deps.now,
      },
    );
  }

  /** Subscriptions and topics with subscribers here (the gauges). */
  counts(): { subscriptions: number; topics: number } {
    return this.subscribers.counts();
  }

  /**
   * Starts reading the topic log (resolves once the tail runs; the history is ready when caught up).
   * A log the edge cannot use (more than one partition: invalid_config) stops the edge; a bus that
   * does not answer does not: the edge serves its devices, subscribes are answered `unavailable`,
   * and the feed is started again with backoff until it runs.
   */
  async start(): Promise<void> {
    const feed = this.feed;
    if (!feed) return;
    try {
      await feed.start();
    } catch (err) {
      if (err instanceof PushwireError && err.code === 'invalid_config') throw err;
      this.retryStart(feed, err, 0);
    }
  }

  /** Stops reading the topic log and the subscribes waiting for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.subscriptions.close();
    await this.feed?.stop();
  }

  private retryStart(feed: TopicFeed, err: unknown, attempt: number): void {
    if (this.stopped) return;
    const delayMs = fullJitterDelay(attempt, START_RETRY_BASE_MS, START_RETRY_MAX_MS);
    this.deps.logger.warn({ err, retryInMs: Math.round(delayMs) }, 'the topic log is unreachable: topics are unavailable until it answers');
    this.restartTimer = setTimeout(() => {
      feed.start().then(
        () => this.deps.logger.info('reading the topic log'),
        (e: unknown) => this.retryStart(feed, e, attempt + 1),
      );
    }, delayMs);
    this.restartTimer.unref();
  }
}
