import { equalJitterDelay, fullJitterDelay } from '@pushwire/backoff';
import { DeliveryStatuses, type DeliveryStatus } from '@pushwire/protocol';

/**
 * How the processor retries. Retries are bounded by the message's TTL, not by a count: a message
 * that is not deliverable now goes to its device's inbox, and while even the inbox cannot take it
 * the processor keeps trying (backoff capped at `maxDelayMs`) until the TTL ends.
 */
export interface RetryPolicy {
  /**
   * Delivery attempts (the first included) for a message meeting `gone`, `backpressure`,
   * `unavailable` or `rate_limited` before it goes to the inbox; `not_connected` goes at once.
   */
  readonly quickAttempts: number;
  /** Backoff before retry n (1-based) is random in [0, min(maxDelayMs, baseDelayMs · 2^(n-1))] (full jitter). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Statuses worth another attempt soon with a fresh lookup: a stale route (`gone`), a full device
 * buffer (`backpressure`), an unreachable registry or edge (`unavailable`), a rate limit. Not
 * `not_connected`: the device is offline now, so the message goes to its inbox at once.
 */
export function isTransient(status: DeliveryStatus): boolean {
  return status !== 'not_connected' && DeliveryStatuses[status].retriable;
}

/** Whether a message with this delivery status goes to its device's inbox (after its quick retries, for a transient one). */
export function isInboxable(status: DeliveryStatus): boolean {
  return status === 'not_connected' || isTransient(status);
}

/** The wait before retry `retry` (1 = the first retry), honouring an edge's Retry-After hint. */
export function backoffMs(policy: RetryPolicy, retry: number, hintMs = 0, random: () => number = Math.random): number {
  return Math.max(hintMs, fullJitterDelay(retry - 1, policy.baseDelayMs, policy.maxDelayMs, random));
}

/**
 * The wait before store attempt `round` + 1 while the inbox (registry, its store) is unavailable:
 * equal jitter, so a dependency that is down gets a guaranteed pause (never a hot loop), capped at
 * `maxDelayMs`.
 */
export function storeRetryMs(policy: RetryPolicy, round: number, random: () => number = Math.random): number {
  return equalJitterDelay(round - 1, policy.baseDelayMs, policy.maxDelayMs, random);
}
