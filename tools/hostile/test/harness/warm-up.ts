/**
 * Runs `attempt` until one succeeds, at most `tries` times, and throws the last failure with `what`.
 * For the first push along a path: a record written before the processor's new consumer group
 * fetched its partition can be skipped (the group starts at the newest offset), so the first push to
 * a device is retried before the tests rely on the path.
 */
export async function warmUp(what: string, tries: number, attempt: (n: number) => Promise<unknown>): Promise<void> {
  let last: unknown;
  for (let n = 1; n <= tries; n++) {
    try {
      await attempt(n);
      return;
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`${what}: no success in ${tries} tries`, { cause: last });
}
