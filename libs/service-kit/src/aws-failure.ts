import { isRetriable } from '@pushwire/protocol';

/** What an AWS SDK v3 error carries besides name and message (smithy's ServiceException and the retry middleware's additions). */
interface AwsErrorShape {
  name?: string;
  code?: unknown;
  retriable?: unknown;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/**
 * Error names the AWS SDK counts as throttling (as its own retry strategy does): the service is
 * there but wants fewer requests, so the same call passes later. DynamoDB's are
 * ProvisionedThroughputExceededException, RequestLimitExceeded, ThrottlingException and
 * LimitExceededException (too many control-plane calls at once).
 */
const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'TransactionInProgressException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'Throttling',
  'SlowDown',
]);

/** Bugs, not outages: retrying cannot help (kafkajs refuses to retry the same four). */
const PROGRAMMING_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

/**
 * Whether a failed AWS SDK call may pass on a later try. An error that says so itself decides (our
 * own `retriable`, the SDK's `$retryable`); then throttling, a 429 or a 5xx (or `$fault: server`)
 * are retriable; any other answer of the service (a 4xx: a missing table, a refused permission, an
 * invalid request) is not; no answer at all (refused connection, timeout, reset) is, unless the
 * error is a bug in the caller.
 */
export function awsRetriable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as AwsErrorShape;
  if (typeof e.retriable === 'boolean') return e.retriable;
  if (isRetriable(err)) return true;
  const status = e.$metadata?.httpStatusCode;
  if ((e.name !== undefined && THROTTLING.has(e.name)) || status === 429) return true;
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) return true;
  if (status !== undefined || e.$fault === 'client') return false;
  return !(e.name !== undefined && PROGRAMMING_ERRORS.has(e.name));
}

/** `Name CODE: message` of a failure, for error messages: a refused connection has no message, only a code. */
export function describeFailure(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as AwsErrorShape).code;
  const label = typeof code === 'string' && code !== cause.name ? `${cause.name} ${code}` : cause.name;
  return cause.message ? `${label}: ${cause.message}` : label;
}
