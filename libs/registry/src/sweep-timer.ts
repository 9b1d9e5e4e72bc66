/**
 * The background sweep of a memory store (dead records, tombstones past their time): every
 * `intervalMs` (default 60 s; 0 turns it off), unref'd so it never keeps a process alive.
 */
export function startSweep(intervalMs: number | undefined, sweep: () => void): NodeJS.Timeout | undefined {
  const interval = intervalMs ?? 60_000;
  if (!Number.isFinite(interval) || interval < 0) throw new RangeError(`sweepIntervalMs must be ≥ 0, got ${interval}`);
  if (interval === 0) return undefined;
  const timer = setInterval(sweep, interval);
  timer.unref();
  return timer;
}
