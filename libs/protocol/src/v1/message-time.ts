import { MAX_MESSAGE_TTL_SECONDS } from './internal-api';

/**
 * How far ahead of the reader's clock a message's `createdAt` may be: the clocks of senders and of
 * Pushwire's hosts differ by a little, never by minutes.
 */
export const CREATED_AT_LEEWAY_MS = 60_000;

/** How a message's `createdAt` stands against a clock: within bounds, ahead of it, or older than any TTL. */
export type CreatedAtVerdict = 'ok' | 'future' | 'too_old';

/**
 * Where a `createdAt` (the start of a message's TTL) stands against `now`: `future` when it is more
 * than CREATED_AT_LEEWAY_MS ahead (a message that would never expire), `too_old` when it is older
 * than the longest TTL a message may ask for (it has expired whatever its TTL).
 */
export function checkCreatedAt(createdAt: number, now: number): CreatedAtVerdict {
  if (createdAt > now + CREATED_AT_LEEWAY_MS) return 'future';
  if (createdAt < now - MAX_MESSAGE_TTL_SECONDS * 1000) return 'too_old';
  return 'ok';
}

/** Says what is wrong with a `createdAt` the verdict refused, for an error message or an outcome's detail. */
export function createdAtProblem(verdict: Exclude<CreatedAtVerdict, 'ok'>, createdAt: number, now: number): string {
  return verdict === 'future'
    ? `createdAt ${createdAt} is ${createdAt - now} ms ahead of the clock (at most ${CREATED_AT_LEEWAY_MS} ms allowed)`
    : `createdAt ${createdAt} is older than the longest TTL (${MAX_MESSAGE_TTL_SECONDS} s)`;
}
