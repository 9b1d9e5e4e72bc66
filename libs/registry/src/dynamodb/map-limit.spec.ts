import { mapLimit } from './map-limit';

describe('mapLimit', () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      for (let i = 0; i < n; i++) await tick();
      inFlight--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(most).toBe(2);
  });

  it('starts no new call after one failed, and rejects with that failure', async () => {
    const started: number[] = [];
    const failure = mapLimit([1, 2, 3, 4, 5], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('dynamodb down');
      return n;
    });
    await expect(failure).rejects.toThrow('dynamodb down');
    expect(started).toEqual([1, 2]);
  });

  it('answers an empty batch without calling anything', async () => {
    await expect(
      mapLimit([], 4, async () => {
        throw new Error('not called');
      }),
    ).resolves.toEqual([]);
  });
});
