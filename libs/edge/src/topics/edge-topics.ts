import type { TemplatedApp } from '@pushwire/uws';
import type { EventBus, EventLog } from '@pushwire/event-bus';
import type { Logger } from '@pushwire/service-kit';
import type { EdgeConfig } from '../edge-config';
import type { EdgeMetrics } from '../edge-metrics';
import { sendFrame, sendServerFrame } from '../transport';
import { LocalTopicFanout } from './local-fanout';
import { LocalSubscribers } from './local-subscribers';
import type { TopicHistoryView } from './topic-history';
import { TokenTopicPolicy, type TopicPolicy } from './topic-policy';
import { TopicSubscriptions } from './topic-subscriptions';

/** How long a subscribe waits for the topic history to load before it is answered `unavailable`. */
export const SUBSCRIBE_READY_WAIT_MS = 5000;

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
  readonly subscribers = new LocalSubscribers();
  readonly fanout: LocalTopicFanout;
  readonly subscriptions: TopicSubscriptions;
  readonly history: TopicHistoryView | undefined;

  constructor(deps: EdgeTopicsDeps) {
    const { metrics } = deps;
    const deliveries = { topic: metrics.topicDeliveries.labels('topic'), broadcast: metrics.topicDeliveries.labels('broadcast') };
    const delivered = (kind: 'topic' | 'broadcast', n: number) => {
      if (n > 0) deliveries[kind].inc(n);
    };
    this.fanout = new LocalTopicFanout(deps.app, this.subscribers, { delivered });
    // LEAD/MERGE: the TopicHistory (lead, topic-history.ts) and the TopicFeed (log helper,
    // topic-feed.ts) are built here from deps.topicLog once they exist.
    this.history = undefined;
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
    return { subscriptions: this.subscribers.subscriptions, topics: this.subscribers.topics };
  }

  /** Starts reading the topic log (resolves once the tail runs; the history is ready when caught up). */
  async start(): Promise<void> {
    // LEAD/MERGE: await this.feed?.start()
  }

  /** Stops reading the topic log and the subscribes waiting for it. */
  async stop(): Promise<void> {
    this.subscriptions.close();
    // LEAD/MERGE: await this.feed?.stop()
  }
}
