import { LogThrottle } from './log-throttle';

describe('LogThrottle', () => {
  it('lets through the first lines of an interval, holds back the rest and reports them on the next line let through', () => {
    let time = 1_000_000;
    const throttle = new LogThrottle(2, 60_000, () => time);
    expect(throttle.take()).toEqual({ suppressed: 0 });
    expect(throttle.take()).toEqual({ suppressed: 0 });
    for (let i = 0; i < 1000; i++) expect(throttle.take()).toBeUndefined();
    time += 59_999;
    expect(throttle.take()).toBeUndefined();
    time += 1;
    expect(throttle.take()).toEqual({ suppressed: 1001 });
    expect(throttle.take()).toEqual({ suppressed: 0 });
    expect(throttle.take()).toBeUndefined();
  });
});
