import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a paced run did. */
export interface PaceResult {
  /** Items handed to `emit`. */
  emitted: number;
  /** From the first emit to the last. */
  seconds: number;
  /** The most an item was handed over after its scheduled time (the tick included): how far the pacer fell behind. */
  maxLagMs: number;
}

export interface PaceOptions {
  /** Items per second. */
  rate: number;
  /** Items in all. */
  total: number;
  /** Least time between two calls of `emit`: what falls due meanwhile goes in one call. Default 0 (as often as timers fire, 1 ms at best). */
  tickMs?: number;
  /**
   * Called with the items due now, `first` being the index of the first of them: one item per call
   * when the timers keep up, several when the process fell behind.
   */
  emit: (first: number, count: number) => void;
  /** Checked before every call; true ends the run early. */
  stop?: () => boolean;
}

/**
 * Open-loop pacing: item i is due at start + i / rate, whatever became of the earlier ones (emit
 * must not wait for them), so a slow system under test shows as latency, not as a lower send rate.
 * Sleeps until the next item is due but at least `tickMs` (what fell due meanwhile goes in one
 * call), and reports how late items were handed over.
 */
export async function paceAtRate({ rate, total, tickMs = 0, emit, stop }: PaceOptions): Promise<PaceResult> {
  const intervalMs = 1000 / rate;
  const start = performance.now();
  let emitted = 0;
  let maxLagMs = 0;
  let last = start;
  while (emitted < total && !stop?.()) {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
    if (due > emitted) {
      maxLagMs = Math.max(maxLagMs, now - (start + emitted * intervalMs));
      emit(emitted, due - emitted);
      emitted = due;
      last = now;
    }
    if (emitted < total) await sleep(Math.max(now + tickMs, start + emitted * intervalMs) - performance.now());
  }
  return { emitted, seconds: (last - start) / 1000, maxLagMs };
}
