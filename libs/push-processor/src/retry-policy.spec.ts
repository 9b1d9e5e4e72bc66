import { backoffMs, isTransient } from './retry-policy';

describe('retry policy', () => {
  it('retries stale routes, full buffers and unreachable services, but not an offline device or a final status', () => {
    expect(['gone', 'backpressure', 'unavailable'].every((s) => isTransient(s as never))).toBe(true);
    expect(['not_connected', 'delivered', 'acknowledged', 'expired', 'rejected', 'forbidden'].some((s) => isTransient(s as never))).toBe(
      false,
    );
  });

  it('backs off exponentially with full jitter up to the cap, and never below a Retry-After hint', () => {
    const policy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(policy, n, 0, () => 0.999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffMs(policy, 1, 0, () => 0)).toBe(0);
    expect(backoffMs(policy, 1, 750, () => 0.5)).toBe(750);
  });
});
