import type { DeviceClient, TopicMessage, TopicSubscription } from '@pushwire/device-client';
import { MAX_TOKEN_TOPIC_PATTERNS, TopicName, TopicPattern, TopicPosition, Validator } from '@pushwire/protocol';
import { printJson, UsageError, type Command } from './cli';

const topicName = new Validator(TopicName, 'topic');
const position = new Validator(TopicPosition, 'position');
const topicPattern = new Validator(TopicPattern, 'topic pattern');

/** The flags of `listen` about topics. */
export const LISTEN_TOPIC_OPTIONS: Command['options'] = {
  topic: { type: 'string', multiple: true },
  since: { type: 'string' },
  allow: { type: 'string', multiple: true },
};

/** What `listen` subscribes to: each --topic, from --since when given. */
export interface ListenTopics {
  topics: string[];
  /** The `topics` claim of the dev token: --allow when given, else exactly the --topic list. */
  allowed: string[];
  since?: TopicPosition;
}

/** --topic (repeatable), --allow PATTERN (repeatable) and --since OFFSET@EPOCH, checked before anything connects. */
export function listenTopicsArg(v: Record<string, unknown>): ListenTopics {
  const topics = [...new Set((v.topic as string[] | undefined) ?? [])];
  for (const topic of topics) {
    if (!topicName.is(topic)) {
      throw new UsageError(`--topic must be letters, digits and _ . : @ -, starting with a letter or digit (at most 128), got "${topic}"`);
    }
  }
  const allow = v.allow === undefined ? undefined : [...new Set(v.allow as string[])];
  for (const pattern of allow ?? []) {
    if (!topicPattern.is(pattern))
      throw new UsageError(`--allow must be a topic name in which * stands for any run of characters, got "${pattern}"`);
  }
  // The dev token lists these patterns, and a token carries at most this many.
  const allowed = allow ?? topics;
  if (allowed.length > MAX_TOKEN_TOPIC_PATTERNS) {
    throw new UsageError(`at most ${MAX_TOKEN_TOPIC_PATTERNS} ${allow ? '--allow' : '--topic'}, got ${allowed.length}`);
  }
  const given = v.since;
  if (given === undefined) return { topics, allowed };
  if (topics.length === 0) throw new UsageError('--since needs --topic: it says where to resume the given topics');
  const match = /^(\d+)@(.+)$/.exec(String(given));
  const since = match ? { offset: Number(match[1]), epoch: match[2]! } : undefined;
  if (!since || !position.is(since)) {
    throw new UsageError(
      `--since must be OFFSET@EPOCH, the offset and epoch of the last topic message you have (e.g. 42@e1k3x9), got "${String(given)}"`,
    );
  }
  return { topics, allowed, since };
}

/** How long to wait before asking again after `unavailable` (the edge is still loading its topic history) or no answer. */
const RETRY_MS = 1000;

/**
 * Subscribes `client` to each topic once connected, from `since` until a subscription exists; the
 * SDK itself renews them after every reconnect. A subscribe cut by a dropped connection is asked
 * again at the next welcome, one answered `unavailable` (or not at all) a second later; a refusal
 * (forbidden, limit_exceeded) — also of a renewal — ends the run through `fail`. Each message is
 * handed to `deliver` as `{"type":"topic.message",…}`; each recovery answer is printed as `{"type":"topic.recovery",…}`.
 */
export function followTopics(
  client: DeviceClient,
  { topics, since }: ListenTopics,
  deliver: (line: object) => void,
  fail: (why: string) => void,
): void {
  if (topics.length === 0) return;
  const subs = new Map<string, TopicSubscription>();
  const asking = new Set<string>();
  const onMessage = (message: TopicMessage) => deliver({ type: 'topic.message', ...message });
  const subscribe = (topic: string) => {
    if (subs.has(topic) || asking.has(topic) || client.state !== 'open') return;
    asking.add(topic);
    client
      .subscribe(topic, onMessage, since ? { since } : {})
      .then(
        (sub) => void subs.set(topic, sub),
        (e: { code: string; message: string; retriable?: boolean }) => {
          if (e.code === 'unavailable' || e.code === 'timeout') setTimeout(() => subscribe(topic), RETRY_MS).unref();
          else if (!e.retriable) fail(`subscribing to ${topic} failed (${e.code}): ${e.message}`);
          // Otherwise the connection dropped: the next welcome asks again.
        },
      )
      .finally(() => asking.delete(topic));
  };
  client.on('welcome', () => topics.forEach(subscribe));
  client.on('topic.recovery', (recovery) => printJson({ type: 'topic.recovery', ...recovery }));
  // The SDK ends a subscription whose renewal was refused for good, and says so with an error.
  client.on('error', (e) => {
    for (const sub of subs.values()) if (!sub.active) fail(`the subscription to ${sub.topic} ended: ${e.message}`);
  });
}
