/*
 * Exponential backoff with jitter (AWS architecture blog, "Exponential Backoff And Jitter"). A crowd
 * of clients that failed together retries spread out instead of in waves; the cap keeps the wait
 * bounded however long the outage lasts.
 */

/** 2^1023 is the largest finite power of two: with it, `0 · 2^attempt` stays 0 instead of NaN. */
const MAX_EXPONENT = 1023;

/**
 * The exponential ceiling before jitter: min(maxMs, baseMs · 2^attempt), `attempt` counting from 0
 * for the first retry. Negative or fractional attempts count as the whole attempts below them (0 at
 * least), negative base or cap as 0.
 */
export function backoffCeiling(attempt: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(Math.max(0, Math.floor(attempt)), MAX_EXPONENT);
  // Infinity (a huge base times 2^1023) is capped by Math.min like any other large value.
  return Math.min(Math.max(0, maxMs), Math.max(0, baseMs) * 2 ** exp);
}

/**
 * Full jitter: a whole number of ms, uniform in [0, ceiling). The widest spread, hence the one for
 * herds (devices reconnecting to an edge, throttled reads). `random` returns a number in [0, 1).
 */
export function fullJitterDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.floor(unit(random) * backoffCeiling(attempt, baseMs, maxMs));
}

/**
 * Equal jitter: half the ceiling plus a random part of the other half, rounded to whole ms. Never
 * shorter than half the ceiling, so a failing dependency gets a guaranteed pause while retries
 * still do not march in lockstep. `random` returns a number in [0, 1).
 */
export function equalJitterDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = backoffCeiling(attempt, baseMs, maxMs);
  return Math.round(ceiling / 2 + (unit(random) * ceiling) / 2);
}

/** A random draw clamped to [0, 1], so a bad source cannot send a delay below 0 or past the ceiling. */
function unit(random: () => number): number {
  return Math.min(Math.max(random(), 0), 1);
}
