import { backoffMs, isInboxable, isTransient, storeRetryMs } from './retry-policy';

describe('retry policy', () => {
  it('retries stale routes, full buffers and unreachable services, but not an offline device or a final status', () => {
    expect(['gone', 'backpressure', 'unavailable'].every((s) => isTransient(s as never))).toBe(true);
    expect(['not_connected', 'delivered', 'acknowledged', 'expired', 'rejected', 'forbidden'].some((s) => isTransient(s as never))).toBe(
      false,
    );
  });

  it('backs off exponentially with full jitter up to the cap, and never below a Retry-After hint', () => {
    const policy = { quickAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(policy, n, 0, () => 0.999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffMs(policy, 1, 0, () => 0)).toBe(0);
    expect(backoffMs(policy, 1, 750, () => 0.5)).toBe(750);
  });

  it("sends an offline device's message and a still-failing transient one to the inbox, never a final one", () => {
    expect(['not_connected', 'gone', 'backpressure', 'unavailable', 'rate_limited'].every((s) => isInboxable(s as never))).toBe(true);
    expect(['delivered', 'acknowledged', 'ack_timeout', 'expired', 'rejected', 'forbidden'].some((s) => isInboxable(s as never))).toBe(
      false,
    );
  });

  it('pauses between store attempts at least half the ceiling (no hot loop against a store that is down), capped', () => {
    const policy = { quickAttempts: 3, baseDelayMs: 200, maxDelayMs: 5000 };
    expect([1, 2, 3, 10].map((n) => storeRetryMs(policy, n, () => 0))).toEqual([100, 200, 400, 2500]);
    expect(storeRetryMs(policy, 30, () => 0.999)).toBeLessThanOrEqual(5000);
  });
});
