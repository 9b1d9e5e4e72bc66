import fc from 'fast-check';
import { backoffDelay } from './backoff';

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoffDelay (full jitter)', () => {
  it('stays within [0, min(max, base · 2^attempt)]', () => {
    fc.assert(
      fc.property(fc.nat(60), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 600_000 }), unit, (attempt, base, max, r) => {
        const delay = backoffDelay(attempt, base, max, () => r);
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
        expect(backoffDelay(attempt, base, Number.MAX_SAFE_INTEGER, () => r)).toBe(Math.floor(r * ceiling));
      }),
    );
    expect(backoffDelay(3, 500, 30_000, () => 0)).toBe(0);
  });

  it('is capped at maxMs however many attempts failed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 60_000 }),
        (attempt, base, max) => {
          expect(backoffDelay(attempt, base, max, () => 0.999999)).toBeLessThanOrEqual(max);
        },
      ),
    );
    expect(backoffDelay(10_000, 500, 30_000, () => 0.5)).toBe(15_000);
  });

  it('grows with the attempt for the same random draw until the cap', () => {
    fc.assert(
      fc.property(fc.nat(30), fc.integer({ min: 1, max: 1000 }), unit, (attempt, base, r) => {
        const max = 1_000_000;
        expect(backoffDelay(attempt + 1, base, max, () => r)).toBeGreaterThanOrEqual(backoffDelay(attempt, base, max, () => r));
      }),
    );
  });
});
