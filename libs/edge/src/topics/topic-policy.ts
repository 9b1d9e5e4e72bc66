import { topicPatternMatches } from '@pushwire/protocol';

/** Who asks to subscribe: the connection's identity, with its token's topic patterns when it has any. */
export interface TopicSubscriber {
  readonly accountId: string;
  readonly deviceId: string;
  readonly deviceType: string;
  /** The token's `topics` claim; undefined when the token has none. */
  readonly topics?: readonly string[];
}

/**
 * Decides which topics a device may subscribe to (pluggable, like the d2d policy: `EdgeDeps.topicPolicy`).
 * Called once per `subscribe`, synchronously: a policy that needs a lookup should keep its answers
 * in memory. A topic is platform-wide, so the account is an input, not a boundary.
 */
export interface TopicPolicy {
  mayAccess(subscriber: TopicSubscriber, topic: string): boolean;
}

/** The default policy: a topic matching any pattern of the token's `topics` claim; none without the claim. */
export class TokenTopicPolicy implements TopicPolicy {
  mayAccess(subscriber: TopicSubscriber, topic: string): boolean {
    const patterns = subscriber.topics;
    if (patterns === undefined) return false;
    for (const pattern of patterns) if (topicPatternMatches(pattern, topic)) return true;
    return false;
  }
}
