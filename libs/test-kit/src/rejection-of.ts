/**
 * The error `promise` was rejected with, once it is known to be a `type`, so a spec can go on to
 * check its fields. Rejects instead (failing the test) when the promise resolved, or was rejected
 * with something else, which then becomes the cause.
 */
export async function rejectionOf<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  const outcome = await promise.then(
    (value: unknown) => ({ rejected: false as const, value }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  if (!outcome.rejected) throw new Error(`expected a rejection with ${type.name}, but it resolved to ${String(outcome.value)}`);
  if (!(outcome.error instanceof type)) {
    throw new Error(`expected a rejection with ${type.name}, but it was rejected with ${String(outcome.error)}`, { cause: outcome.error });
  }
  return outcome.error;
}
