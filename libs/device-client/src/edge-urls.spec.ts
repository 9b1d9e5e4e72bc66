import { EdgeUrls } from './edge-urls';

describe('EdgeUrls', () => {
  it('moves to the next edge of the list on every advance, round and round', async () => {
    const edges = new EdgeUrls(['http://a', 'http://b', 'http://c']);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push(await edges.resolve(i));
      edges.ended(undefined);
      edges.advance();
    }
    expect(seen).toEqual(['http://a', 'http://b', 'http://c', 'http://a']);
    expect(edges.count).toBe(3);
  });

  it("keeps a 503's Retry-After for that edge only: the next edge is tried at once, a return waits", async () => {
    let now = 1000;
    const edges = new EdgeUrls(['http://a', 'http://b'], () => now);
    await edges.resolve(0);
    expect(edges.ended(2000)).toBe(0); // b asked nothing
    edges.advance();
    await edges.resolve(1);
    now += 500;
    expect(edges.ended(undefined)).toBe(1500); // back to a, which said 2 s
    edges.advance();
    now += 2000;
    expect(edges.ended(undefined)).toBe(0);
  });

  it('with one edge the next attempt waits its whole Retry-After', async () => {
    const edges = new EdgeUrls('http://a', () => 0);
    await edges.resolve(0);
    expect(edges.ended(3000)).toBe(3000);
  });

  it('asks a function before every attempt, telling it the attempt and the previous edge', async () => {
    const calls: unknown[] = [];
    const edges = new EdgeUrls(async (request) => {
      calls.push(request);
      return request.attempt % 2 === 0 ? 'http://a' : 'http://b';
    });
    expect(await edges.resolve(0)).toBe('http://a');
    expect(await edges.resolve(1)).toBe('http://b');
    expect(calls).toEqual([{ attempt: 0 }, { attempt: 1, previous: 'http://a' }]);
    expect(edges.count).toBe(1);
  });

  it('refuses lists and answers that are not edge URLs', async () => {
    expect(() => new EdgeUrls([])).toThrow(/non-empty list/);
    expect(() => new EdgeUrls(['http://a', 'nope'])).toThrow(/url\[1\] "nope" is not an absolute URL/);
    expect(() => new EdgeUrls('ftp://a')).toThrow(/http\(s\):\/\/ or ws\(s\):\/\//);
    await expect(new EdgeUrls(() => 'nope').resolve(0)).rejects.toMatchObject({ code: 'invalid_options' });
    await expect(
      new EdgeUrls(() => {
        throw new Error('discovery down');
      }).resolve(0),
    ).rejects.toMatchObject({ code: 'connect_failed', retriable: true, message: expect.stringContaining('discovery down') });
  });
});
