import type { ServerFrameOf, TopicPosition } from '@pushwire/protocol/core';

// The SDK's public topic types (docs/protocol.md, "Topics and broadcast"); the logic is in topic-subscriptions.ts.

/** A message of a subscribed topic, as its handler gets it: the `topic.message` frame without `type`. */
export type TopicMessage = Omit<ServerFrameOf<'topic.message'>, 'type'>;
/** Handles a topic's messages, in order; a returned promise is awaited before the position moves past the message. */
export type TopicHandler = (message: TopicMessage) => void | Promise<void>;

/** Options of one subscribe call. */
export interface SubscribeOptions {
  /** Resume after this position (kept from an earlier subscription): the edge sends what came since, or says it cannot. */
  since?: TopicPosition;
  /** How long to wait for `subscribe.result`. Default: the client's `requestTimeoutMs`. */
  timeoutMs?: number;
}

/** Payload of 'topic.recovery': the answer to a subscribe with `since`. `recovered: false` → reload the app's state of the topic. */
export interface TopicRecovery {
  topic: string;
  recovered: boolean;
}

/** A live subscription to one topic, from `client.subscribe`. */
export interface TopicSubscription {
  readonly topic: string;
  /**
   * Where the subscription is: the offset and epoch of the last message its handler ran for, or of
   * the `subscribe.result` when none came (or when the edge could not fill a gap). Keep it to resume
   * with `since` in a later run.
   */
  readonly position: TopicPosition;
  /** False once unsubscribed, refused on a resubscribe, or ended with close(). */
  readonly active: boolean;
  /**
   * Stops the subscription: its handler gets nothing from now on and it is not renewed after a
   * reconnect, even if the `unsubscribe` frame cannot be sent (the connection is down, and the edge
   * forgets topics with the connection). Resolves once the edge answered or the connection is gone;
   * rejects with 'timeout' or the edge's error code, the subscription being gone locally all the same.
   */
  unsubscribe(): Promise<void>;
}
