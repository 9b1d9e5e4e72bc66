import type fc from 'fast-check';

/** Batches per generated suite; PUSHWIRE_HOSTILE_RUNS raises it for a longer local soak. */
const RUNS = Number(process.env.PUSHWIRE_HOSTILE_RUNS ?? 4);
/** A generated suite stops starting new batches after this (the suite as a whole must stay under 3 minutes). */
const TIME_LIMIT_MS = 40_000;

/**
 * The seed of every generated suite unless PUSHWIRE_HOSTILE_SEED names another: CI runs the same
 * batches every time, so a red run is the platform's doing, not the dice's. A local soak varies it.
 */
export const DEFAULT_SEED = 12_012;

/**
 * fast-check settings of every generated suite: few runs (each is a batch against real processes),
 * no shrinking (each shrink step would be another batch; the failing batch is reported as it was),
 * a time limit, and a fixed seed (DEFAULT_SEED, or PUSHWIRE_HOSTILE_SEED to replay or vary).
 */
export function fuzzParameters<T>(): fc.Parameters<T> {
  const seed = process.env.PUSHWIRE_HOSTILE_SEED;
  return {
    numRuns: RUNS,
    endOnFailure: true,
    interruptAfterTimeLimit: TIME_LIMIT_MS,
    markInterruptAsFailure: false,
    seed: seed ? Number(seed) : DEFAULT_SEED,
  };
}
