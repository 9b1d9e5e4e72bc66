/**
 * Full-jitter exponential backoff (AWS architecture blog, "Exponential Backoff And Jitter"): the delay
 * is uniform in [0, min(maxMs, baseMs · 2^attempt)), so a crowd of devices dropped together by one
 * edge spreads its reconnects instead of returning in waves.
 *
 * `attempt` counts from 0 for the first retry; `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const exp = Math.max(0, Math.floor(attempt));
  // 2 ** 1100 is Infinity, which Math.min caps correctly; guard NaN from odd inputs instead.
  const ceiling = Math.min(Math.max(0, maxMs), Math.max(0, baseMs) * 2 ** exp);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}
