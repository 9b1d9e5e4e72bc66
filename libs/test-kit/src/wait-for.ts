/** How waitFor polls and when it gives up. */
export interface WaitForOptions {
  /** What is awaited, in words: the timeout error names it ("the device to be registered"). */
  readonly what: string;
  /** How long to keep checking before rejecting. Default 5 000 ms. */
  readonly timeoutMs?: number;
  /** Pause between two checks. Default 10 ms. */
  readonly intervalMs?: number;
  /**
   * A check that throws counts as "not yet" instead of failing the wait at once: for checks that
   * ask a service which may be down or still starting (connection refused). The last error becomes
   * the timeout error's `cause`. Default false: a throwing check rejects the wait with its error.
   */
  readonly retryErrors?: boolean;
}

/**
 * Resolves with the first truthy value `check()` (sync or async) returns, checking at once and
 * then every `intervalMs`; rejects after `timeoutMs` with an error naming `what` and the timeout.
 * For state that has no event to wait on (a registry record, a counter on /metrics): where there
 * is an event, wait for the event instead. Real timers only: under jest's fake timers it never
 * gets to check again.
 */
export async function waitFor<T>(check: () => T | Promise<T>, opts: WaitForOptions): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const intervalMs = opts.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      if (!opts.retryErrors) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const last = lastError instanceof Error ? ` (last check threw: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what}${last}`, lastError ? { cause: lastError } : undefined);
    }
    // Not unref'd: this pause is the very work the caller awaits, and it ends by the deadline at the
    // latest. An unref'd pause would let a script's process exit mid-wait as if all were done.
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}
