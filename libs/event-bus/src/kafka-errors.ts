import { KafkaJSAggregateError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { isRetriable } from '@pushwire/protocol';
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

/**
 * Translates a kafkajs failure into an EventBusError naming the action and the brokers; keeps the
 * kafkajs error as `cause` and its verdict as `retriable`.
 */
export function kafkaError(err: unknown, action: string, brokers: string): EventBusError {
  if (err instanceof EventBusError) return err;
  return new EventBusError(`${action} failed on Kafka (brokers ${brokers}): ${describe(err)}`, {
    cause: err,
    retriable: kafkaRetriable(err),
  });
}

/**
 * Whether the call that failed with `err` may pass later, as kafkajs judges it. kafkajs gives up on
 * a failure it was retrying with KafkaJSNumberOfRetriesExceeded, flagged non-retriable only so that
 * no retrier around its own retries again; the failure itself (a broker down, a leader moving) was
 * retriable, so a later call may pass. Retriers nest (a producer's send reconnects the cluster with
 * the cluster's own retrier), and the outer one wraps the inner one's give-up in a plain
 * KafkaJSNonRetriableError whose `cause` is the failure itself (a refused connection while the
 * broker is down): that too is retriable, as its cause is. An aggregate is retriable when all its
 * parts are; an error kafkajs did not flag (a bug, not an outage) is not.
 */
export function kafkaRetriable(err: unknown): boolean {
  if (err instanceof KafkaJSNumberOfRetriesExceeded) return true;
  if (err instanceof KafkaJSNonRetriableError && err.name === 'KafkaJSNonRetriableError') {
    const cause = (err as { cause?: unknown }).cause;
    if (cause !== undefined && cause !== err && kafkaRetriable(cause)) return true;
  }
  if (err instanceof KafkaJSAggregateError) return err.errors.length > 0 && err.errors.every(kafkaRetriable);
  return isRetriable(err);
}

/**
 * Errors that only mean the group is rebalancing; kafkajs re-joins on its own. (Its own
 * `isRebalancing` is not exported; these are the same three protocol error types.)
 */
export function isRebalancing(err: unknown): boolean {
  const type = (err as ErrorLike | undefined)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION';
}
