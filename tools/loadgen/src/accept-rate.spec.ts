import { countsPerBucket, peakPerWindow } from './accept-rate';

describe('peakPerWindow', () => {
  const times = [0, 500, 900, 950, 1050, 3000];

  it('finds the densest sliding window (half-open), as a rate per second', () => {
    expect(peakPerWindow(times, 1000)).toBe(4); // [0, 1000) and [500, 1500) hold 4 each
    expect(peakPerWindow(times, 100)).toBe(20); // [900, 1000) holds 2 → 20/s; 950 and 1050 are 100 ms apart
    expect(peakPerWindow([], 1000)).toBe(0);
  });

  it('counts a burst between aligned seconds in full', () => {
    expect(peakPerWindow([20, 990, 1000, 1001, 1010], 1000)).toBe(5); // aligned seconds would say 2 and 3
  });
});

describe('countsPerBucket', () => {
  it('counts events per bucket from the first event or a given start, empty buckets included', () => {
    expect(countsPerBucket([0, 500, 900, 950, 1050, 3000], 1000)).toEqual([4, 1, 0, 1]);
    expect(countsPerBucket([100, 150, 420], 100, 0)).toEqual([0, 2, 0, 0, 1]);
    expect(countsPerBucket([5, 100], 100, 50)).toEqual([1]); // before `from`: left out
  });

  it('refuses absurd bucket counts instead of allocating them', () => {
    expect(() => countsPerBucket([0, 1e12], 1)).toThrow(/buckets/);
  });
});
