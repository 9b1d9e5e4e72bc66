import fc from 'fast-check';
import { backoffCeiling, equalJitterDelay, fullJitterDelay } from './backoff';

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('fullJitterDelay', () => {
  it('stays within [0, min(max, base · 2^attempt)]', () => {
    fc.assert(
      fc.property(fc.nat(60), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 600_000 }), unit, (attempt, base, max, r) => {
        const delay = fullJitterDelay(attempt, base, max, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(Math.min(max, base * 2 ** attempt));
        expect(Number.isInteger(delay)).toBe(true);
      }),
    );
  });

  it('is the random fraction of the exponential ceiling (full jitter, not equal jitter)', () => {
    fc.assert(
      fc.property(fc.nat(20), fc.integer({ min: 1, max: 1000 }), unit, (attempt, base, r) => {
        const ceiling = base * 2 ** attempt;
        expect(fullJitterDelay(attempt, base, Number.MAX_SAFE_INTEGER, () => r)).toBe(Math.floor(r * ceiling));
      }),
    );
    expect(fullJitterDelay(3, 500, 30_000, () => 0)).toBe(0);
  });

  it('is capped at maxMs however many attempts failed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 60_000 }),
        (attempt, base, max) => {
          expect(fullJitterDelay(attempt, base, max, () => 0.999999)).toBeLessThanOrEqual(max);
        },
      ),
    );
    expect(fullJitterDelay(10_000, 500, 30_000, () => 0.5)).toBe(15_000);
  });

  it('grows with the attempt for the same random draw until the cap', () => {
    fc.assert(
      fc.property(fc.nat(30), fc.integer({ min: 1, max: 1000 }), unit, (attempt, base, r) => {
        const max = 1_000_000;
        expect(fullJitterDelay(attempt + 1, base, max, () => r)).toBeGreaterThanOrEqual(fullJitterDelay(attempt, base, max, () => r));
      }),
    );
  });
});

describe('equalJitterDelay', () => {
  it('stays within [ceiling / 2, ceiling], rounded to whole ms', () => {
    fc.assert(
      fc.property(fc.nat(60), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 600_000 }), unit, (attempt, base, max, r) => {
        const ceiling = backoffCeiling(attempt, base, max);
        const delay = equalJitterDelay(attempt, base, max, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(ceiling);
        expect(Number.isInteger(delay)).toBe(true);
      }),
    );
  });

  it('doubles from the base up to the cap, half of it jittered', () => {
    const delays = (r: number) => [0, 1, 2, 3, 4, 5, 6].map((attempt) => equalJitterDelay(attempt, 100, 2_000, () => r));
    expect(delays(0.999_999)).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000]);
    expect(delays(0)).toEqual([50, 100, 200, 400, 800, 1_000, 1_000]);
  });
});

describe('backoffCeiling', () => {
  it('is a number for any attempt, however large, even with a zero base', () => {
    expect(backoffCeiling(10_000, 0, 30_000)).toBe(0);
    expect(backoffCeiling(10_000, 1e300, 30_000)).toBe(30_000);
    expect(backoffCeiling(-3, 100, 30_000)).toBe(100);
    expect(backoffCeiling(2.7, 100, 30_000)).toBe(400);
  });
});
