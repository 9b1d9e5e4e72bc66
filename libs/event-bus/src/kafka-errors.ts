import { EventBusError } from './event-bus';

interface ErrorLike {
  name?: string;
  message?: string;
  cause?: unknown;
  type?: string;
  errors?: unknown[];
}

/**
 * What went wrong, in one line: kafkajs wraps the real cause in retry and non-retriable errors
 * ("Number of retries exceeded"), so the innermost one is named too.
 */
function describe(err: unknown): string {
  const outer = err as ErrorLike | undefined;
  let inner = outer;
  for (let depth = 0; depth < 10 && inner?.cause && typeof inner.cause === 'object'; depth++) inner = inner.cause as ErrorLike;
  const line = (e: ErrorLike | undefined) => `${e?.name ?? 'Error'}: ${e?.message ?? String(e)}`;
  const aggregated = Array.isArray(inner?.errors) ? ` (${inner.errors.map((e) => line(e as ErrorLike)).join('; ')})` : '';
  return inner === outer ? `${line(outer)}${aggregated}` : `${line(outer)}, caused by ${line(inner)}${aggregated}`;
}

/** Translates a kafkajs failure into an EventBusError naming the action and the brokers; keeps `cause`. */
export function kafkaError(err: unknown, action: string, brokers: string): EventBusError {
  if (err instanceof EventBusError) return err;
  return new EventBusError(`${action} failed on Kafka (brokers ${brokers}): ${describe(err)}`, { cause: err });
}

/**
 * Errors that only mean the group is rebalancing; kafkajs re-joins on its own. (Its own
 * `isRebalancing` is not exported; these are the same three protocol error types.)
 */
export function isRebalancing(err: unknown): boolean {
  const type = (err as ErrorLike | undefined)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION';
}
