import { equalJitterDelay } from '@pushwire/backoff';
import { EventBusError, type BusMessage, type EventBus } from '@pushwire/event-bus/core';
import { PushClientError } from './errors';

/** First pause between publish attempts; doubles per attempt (equal jitter) up to RETRY_MAX_MS. */
const RETRY_BASE_MS = 100;
/** Longest pause between publish attempts: a broker back from an outage is found within a second. */
const RETRY_MAX_MS = 1_000;

/** What a publish within a deadline needs to know besides the records. */
export interface PublishWithin {
  /** How long to keep trying, from the call. */
  readonly timeoutMs: number;
  /** Named in errors so the caller can match them to its messages (a retry may reuse the ids). */
  readonly messageIds: readonly string[];
  /** Jitter source, injectable for tests. Default Math.random. */
  readonly random?: () => number;
}

/** How retryWithin names what it tries, in its errors. */
export interface RetryWithin {
  /** How long to keep trying, from the call. */
  readonly timeoutMs: number;
  /** What is tried, as errors say it: "publishing 2 push request(s) (message id a, b) to <topic>". */
  readonly what: string;
  /** The deadline's name in errors ("enqueue deadline"), so the caller knows which option moves it. */
  readonly deadline: string;
  /** Jitter source, injectable for tests. Default Math.random. */
  readonly random?: () => number;
}

/** Publishes `messages` to `topic` within the deadline: retryWithin around `bus.publish`. */
export async function publishWithin(bus: EventBus, topic: string, messages: BusMessage[], within: PublishWithin): Promise<void> {
  const ids = describeIds(within.messageIds);
  await retryWithin(() => bus.publish(topic, messages), {
    timeoutMs: within.timeoutMs,
    what: `publishing ${messages.length} push request(s) (message id ${ids}) to ${topic}`,
    deadline: 'enqueue deadline',
    ...(within.random ? { random: within.random } : {}),
  });
}

/**
 * Runs `attempt` (a write to the bus), riding out an outage of the bus: a failure the bus calls
 * retriable (broker down, leader moving, topic not created yet) is tried again with the same records
 * — hence the same message ids — after a capped backoff, until `timeoutMs` has passed since the
 * call. Then, or at once for a failure no retry can mend, it rejects with PushClientError
 * `unavailable` (retriable as the bus judged the last failure), the bus error as `cause`.
 *
 * An attempt still under way at the deadline is not waited for (one Kafka publish can spend seconds
 * in kafkajs' own retries): the call rejects on time, and that attempt may still land. Retrying with
 * the same message id is safe: the message processor and devices de-duplicate on it.
 *
 * The timers are not unref'd on purpose: they stand for a call somebody awaits (`pushctl enqueue`
 * during a broker outage has nothing else keeping it alive), and live at most `timeoutMs`.
 */
export async function retryWithin<T>(attempt: () => Promise<T>, within: RetryWithin): Promise<T> {
  const started = Date.now();
  const deadline = started + within.timeoutMs;
  const random = within.random ?? Math.random;
  let last: EventBusError | undefined;
  let abandoned = false;
  for (let n = 0; ; n++) {
    const left = deadline - Date.now();
    const answer = await raceDeadline(attempt(), left);
    if (answer !== 'deadline' && 'done' in answer) return answer.done;
    if (answer === 'deadline') {
      abandoned = true; // the attempt was still under way; `last` says what failed before it
      break;
    }
    const e = answer.error;
    if (!(e instanceof EventBusError)) throw e; // not a bus outage: a bug, surfaced as it is
    last = e;
    if (!e.retriable) throw unavailable(within.what, e.message, false, e);
    const pause = equalJitterDelay(n, RETRY_BASE_MS, RETRY_MAX_MS, random);
    if (Date.now() + pause >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  const waited = Date.now() - started;
  const failure = last ? `; last failure: ${last.message}` : '';
  const why = abandoned
    ? `${failure}; an attempt was still under way at the deadline and may yet be written: a retry with the same message id is safe`
    : failure;
  throw unavailable(
    within.what,
    `the event bus did not take them within the ${within.deadline} of ${within.timeoutMs} ms (tried for ${waited} ms)${why}`,
    true,
    last,
  );
}

type Answer<T> = { done: T } | 'deadline' | { error: unknown };

/** The attempt's answer, or 'deadline' after `ms` if it has not answered by then. */
async function raceDeadline<T>(work: Promise<T>, ms: number): Promise<Answer<T>> {
  let timer: NodeJS.Timeout | undefined;
  const attempt = work.then(
    (done) => ({ done }),
    (error: unknown) => ({ error }),
  );
  const timeout = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), Math.max(0, ms))));
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A call's deadline (option `name`), checked: a bad one is the caller's `invalid_message`, never a bus outage. */
export function deadlineOf(name: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 1)
    throw new PushClientError('invalid_message', `${name} must be an integer ≥ 1, got ${String(ms)}`, false);
  return ms;
}

/** At most five ids, then how many more. */
export function describeIds(messageIds: readonly string[]): string {
  return messageIds.length <= 5 ? messageIds.join(', ') : `${messageIds.slice(0, 5).join(', ')} and ${messageIds.length - 5} more`;
}

function unavailable(what: string, why: string, retriable: boolean, cause: EventBusError | undefined): PushClientError {
  return new PushClientError('unavailable', `${what} failed: ${why}`, retriable, { cause });
}
