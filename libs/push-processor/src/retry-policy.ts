import { fullJitterDelay } from '@pushwire/backoff';
import { DeliveryStatuses, type DeliveryStatus } from '@pushwire/protocol';

/** How the processor retries transient delivery failures. */
export interface RetryPolicy {
  /** Delivery attempts per message, the first included. */
  readonly maxAttempts: number;
  /** Backoff before retry n (1-based) is random in [0, min(maxDelayMs, baseDelayMs · 2^(n-1))] (full jitter). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Statuses worth another attempt with a fresh lookup: a stale route (`gone`), a full device buffer
 * (`backpressure`), an unreachable registry or edge (`unavailable`). `not_connected` is final for an
 * indirect push — the device is offline now, and the outcome says so; the sender decides what next.
 */
export function isTransient(status: DeliveryStatus): boolean {
  return status !== 'not_connected' && DeliveryStatuses[status].retriable;
}

/** The wait before retry `retry` (1 = the first retry), honouring an edge's Retry-After hint. */
export function backoffMs(policy: RetryPolicy, retry: number, hintMs = 0, random: () => number = Math.random): number {
  return Math.max(hintMs, fullJitterDelay(retry - 1, policy.baseDelayMs, policy.maxDelayMs, random));
}
