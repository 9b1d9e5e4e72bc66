/**
 * @pushwire/backoff — exponential backoff with jitter, the one formula every retry loop uses (the
 * device SDK's reconnects, DynamoDB's unprocessed keys, the event bus's redeliveries, the processor's
 * retries, the edge's flushes to the registry). Pure functions, no dependencies: runs in browsers and Node.
 */
export { backoffCeiling, equalJitterDelay, fullJitterDelay } from './backoff';
