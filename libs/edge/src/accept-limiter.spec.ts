import { AcceptLimiter } from './accept-limiter';

describe('AcceptLimiter', () => {
  const limiter = (perSecond: number, burst?: number) => {
    const clock = { now: 1_000_000 };
    return { clock, l: new AcceptLimiter({ perSecond, burst, maxRetryAfterSeconds: 5, now: () => clock.now }) };
  };
  const admitted = (l: AcceptLimiter, n: number) => Array.from({ length: n }, () => l.admit()).filter((r) => r === undefined).length;

  it('admits a burst, then perSecond, and tells the refused ones to come back later in proportion to the herd', () => {
    const { clock, l } = limiter(10);
    expect(admitted(l, 10)).toBe(10);
    const refused = Array.from({ length: 35 }, () => l.admit()!.retryAfterSeconds);
    expect(refused.slice(0, 10)).toEqual(Array(10).fill(1));
    expect(refused.slice(10, 20)).toEqual(Array(10).fill(2));
    expect(refused.slice(30)).toEqual(Array(5).fill(4));
    clock.now += 500;
    expect(admitted(l, 10)).toBe(5);
  });

  it('caps Retry-After, and starts counting the herd again each second', () => {
    const { clock, l } = limiter(1, 1);
    l.admit();
    expect(Array.from({ length: 10 }, () => l.admit()!.retryAfterSeconds).at(-1)).toBe(5);
    clock.now += 1000;
    expect(l.admit()).toBeUndefined();
    expect(l.admit()!.retryAfterSeconds).toBe(1);
  });

  it('admits everything at 0 (no limit)', () => {
    expect(admitted(limiter(0).l, 100_000)).toBe(100_000);
  });
});
