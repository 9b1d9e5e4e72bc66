import { RedeliveryBackoff } from './redelivery-backoff';

describe('RedeliveryBackoff', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('doubles the delay per rejection in a row from 100 ms up to 2 s, with half of it jittered', () => {
    const highest = new RedeliveryBackoff({ random: () => 0.999_999 });
    const lowest = new RedeliveryBackoff({ random: () => 0 });
    const delays = (b: RedeliveryBackoff) => Array.from({ length: 7 }, () => b.failed('p', () => undefined).delayMs);
    expect(delays(highest)).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000]);
    expect(delays(lowest)).toEqual([50, 100, 200, 400, 800, 1_000, 1_000]);
  });

  it('counts each partition on its own and starts over after a success', () => {
    const b = new RedeliveryBackoff({ random: () => 0.999_999 });
    expect(b.failed('a', () => undefined)).toEqual({ attempt: 1, delayMs: 100 });
    expect(b.failed('a', () => undefined)).toEqual({ attempt: 2, delayMs: 200 });
    expect(b.failed('b', () => undefined)).toEqual({ attempt: 1, delayMs: 100 });
    b.succeeded('a');
    expect(b.failed('a', () => undefined)).toEqual({ attempt: 1, delayMs: 100 });
  });

  it('calls the retry after the delay, and never once cancelled', () => {
    const b = new RedeliveryBackoff({ initialMs: 40, random: () => 0.999_999 });
    const retried: string[] = [];
    b.failed('a', () => retried.push('a'));
    b.failed('b', () => retried.push('b'));
    jest.advanceTimersByTime(39);
    expect(retried).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(retried).toEqual(['a', 'b']);
    b.failed('a', () => retried.push('a again'));
    b.cancelAll();
    jest.advanceTimersByTime(10_000);
    expect(retried).toEqual(['a', 'b']);
  });
});
