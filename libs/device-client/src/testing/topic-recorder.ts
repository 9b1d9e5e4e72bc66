import { waitFor } from '@pushwire/test-kit';
import type { TopicMessage } from '../topic-types';

/** A topic handler for tests: what it got, in order, and a way to wait until it has `n` messages. */
export interface TopicRecorder {
  readonly got: TopicMessage[];
  /** Pass to `client.subscribe(topic, recorder.handler)`. */
  handler(message: TopicMessage): void;
  payloads(): unknown[];
  offsets(): number[];
  /** Resolves once the handler got at least `n` messages; rejects after `timeoutMs` (default 5 s). */
  count(n: number, timeoutMs?: number): Promise<void>;
}

/** Records the messages a topic subscription hands its handler. */
export function topicRecorder(): TopicRecorder {
  const got: TopicMessage[] = [];
  return {
    got,
    handler: (message) => void got.push(message),
    payloads: () => got.map((m) => m.payload),
    offsets: () => got.map((m) => m.offset),
    count: async (n, timeoutMs = 5000) => {
      await waitFor(() => got.length >= n, { what: `${n} topic message(s)`, timeoutMs });
    },
  };
}
