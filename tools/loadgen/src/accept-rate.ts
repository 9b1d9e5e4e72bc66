/**
 * Rates from event times (epoch ms, ascending): the benches report accepts and reconnects per
 * second at their peak, not only on average, because a herd is about its densest moment.
 */

/** The most events in any window of `windowMs` (sliding, not aligned), as a rate per second. */
export function peakPerWindow(sortedTimes: ArrayLike<number>, windowMs = 1000): number {
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  let best = 0;
  let from = 0;
  for (let to = 0; to < sortedTimes.length; to++) {
    while (sortedTimes[to]! - sortedTimes[from]! >= windowMs) from++;
    best = Math.max(best, to - from + 1);
  }
  return (best * 1000) / windowMs;
}

const MAX_BUCKETS = 1_000_000;

/** Events per bucket of `bucketMs`, the first bucket starting at `from` (default: the first event). */
export function countsPerBucket(sortedTimes: ArrayLike<number>, bucketMs: number, from = sortedTimes[0] ?? 0): number[] {
  if (!(bucketMs > 0)) throw new RangeError(`bucketMs must be positive, got ${bucketMs}`);
  const counts: number[] = [];
  for (let i = 0; i < sortedTimes.length; i++) {
    const b = Math.floor((sortedTimes[i]! - from) / bucketMs);
    if (b < 0) continue;
    if (b >= MAX_BUCKETS)
      throw new RangeError(`more than ${MAX_BUCKETS} buckets of ${bucketMs} ms; pick a later \`from\` or larger buckets`);
    while (counts.length <= b) counts.push(0);
    counts[b]!++;
  }
  return counts;
}
