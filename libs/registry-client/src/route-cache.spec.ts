import type { Registration } from '@pushwire/protocol';
import { RouteCache } from './route-cache';

let now = 1_000_000;
const clock = () => now;
const reg = (deviceId: string, connectionId = 'c1', expiresAtSeconds = 10_000, accountId = 'a1'): Registration => ({
  deviceId,
  accountId,
  deviceType: 'tv',
  edgeId: 'e1',
  edgeUrl: 'http://edge',
  connectionId,
  connectedAt: 1,
  expiresAt: expiresAtSeconds,
});

/** Device `deviceId` of account a1. */
const a1 = (deviceId: string) => ({ accountId: 'a1', deviceId });

beforeEach(() => {
  now = 1_000_000;
});

describe('RouteCache', () => {
  it('reuses a route until its TTL passes', () => {
    const cache = new RouteCache(2000, 10, clock);
    cache.set(reg('d1'));
    now += 1999;
    expect(cache.get(a1('d1'))?.connectionId).toBe('c1');
    now += 1;
    expect(cache.get(a1('d1'))).toBeUndefined();
  });

  it('never returns a record past its own expiresAt', () => {
    const cache = new RouteCache(2000, 10, clock);
    cache.set(reg('d1', 'c1', 1001)); // expires at 1_001_000 ms
    now = 1_001_000;
    expect(cache.get(a1('d1'))).toBeUndefined();
  });

  it('invalidates only the connection that went stale', () => {
    const cache = new RouteCache(2000, 10, clock);
    cache.set(reg('d1', 'new'));
    cache.invalidate(a1('d1'), 'old');
    expect(cache.get(a1('d1'))?.connectionId).toBe('new');
    cache.invalidate(a1('d1'), 'new');
    expect(cache.get(a1('d1'))).toBeUndefined();
  });

  it('drops the oldest entries beyond its cap', () => {
    const cache = new RouteCache(2000, 2, clock);
    cache.set(reg('d1'));
    cache.set(reg('d2'));
    cache.set(reg('d1')); // refreshed: now the newest
    cache.set(reg('d3'));
    expect(cache.size).toBe(2);
    expect(cache.get(a1('d2'))).toBeUndefined();
    expect(cache.get(a1('d1'))).toBeDefined();
  });

  it("keeps one account's route apart from another account's device of the same id", () => {
    const cache = new RouteCache(2000, 10, clock);
    cache.set(reg('tv9', 'c-a1'));
    expect(cache.get({ accountId: 'evil', deviceId: 'tv9' })).toBeUndefined();
    cache.set(reg('tv9', 'c-evil', 10_000, 'evil'));
    expect(cache.get(a1('tv9'))?.connectionId).toBe('c-a1');
    expect(cache.get({ accountId: 'evil', deviceId: 'tv9' })?.connectionId).toBe('c-evil');
    cache.invalidate({ accountId: 'evil', deviceId: 'tv9' }, 'c-evil');
    expect(cache.get({ accountId: 'evil', deviceId: 'tv9' })).toBeUndefined();
    expect(cache.get(a1('tv9'))?.connectionId).toBe('c-a1');
  });

  it('caches nothing with a TTL of 0', () => {
    const cache = new RouteCache(0, 10, clock);
    cache.set(reg('d1'));
    expect(cache.get(a1('d1'))).toBeUndefined();
  });
});

describe('RouteCache refreshing ahead of expiry', () => {
  /** A lookup the test answers by hand, counting calls. */
  function manualLookup() {
    const calls: { devices: { accountId: string; deviceId: string }[]; answer(r: Registration[]): void; fail(e: Error): void }[] = [];
    const lookup = (devices: { accountId: string; deviceId: string }[]) =>
      new Promise<Registration[]>((answer, fail) => calls.push({ devices, answer, fail }));
    return { calls, lookup };
  }
  const settle = () => new Promise((r) => setImmediate(r));

  it('serves the known route while one background lookup refreshes it, then serves the new one', async () => {
    const { calls, lookup } = manualLookup();
    const cache = new RouteCache(30_000, 10, clock, { aheadMs: 5000, lookup });
    cache.set(reg('d1', 'c1'));
    now += 24_999;
    expect(cache.get(a1('d1'))?.connectionId).toBe('c1');
    await settle();
    expect(calls).toHaveLength(0); // not yet within the window
    now += 1;
    for (let i = 0; i < 5; i++) expect(cache.get(a1('d1'))?.connectionId).toBe('c1');
    await settle();
    expect(calls).toHaveLength(1); // one refresh in flight per device, however many sends
    expect(calls[0]!.devices).toEqual([a1('d1')]);
    calls[0]!.answer([reg('d1', 'c2')]);
    await settle();
    expect(cache.refreshes).toBe(0);
    now += 20_000; // past the first entry's TTL, within the refreshed one's
    expect(cache.get(a1('d1'))?.connectionId).toBe('c2');
  });

  it('refreshes the routes that come due in one turn with one lookup', async () => {
    const { calls, lookup } = manualLookup();
    const cache = new RouteCache(30_000, 10, clock, { aheadMs: 5000, lookup });
    for (const d of ['d1', 'd2', 'd3']) cache.set(reg(d, `c-${d}`));
    now += 26_000;
    for (const d of ['d1', 'd2', 'd3']) cache.get(a1(d));
    await settle();
    expect(calls.map((c) => c.devices)).toEqual([[a1('d1'), a1('d2'), a1('d3')]]);
    calls[0]!.answer([reg('d1', 'n1'), reg('d3', 'n3')]); // d2 has left
    await settle();
    expect([cache.get(a1('d1'))?.connectionId, cache.get(a1('d2')), cache.get(a1('d3'))?.connectionId]).toEqual(['n1', undefined, 'n3']);
  });

  it('refreshes before the record expires when its expiresAt comes before the TTL', async () => {
    const { calls, lookup } = manualLookup();
    const cache = new RouteCache(30_000, 10, clock, { aheadMs: 5000, lookup });
    cache.set(reg('d1', 'c1', 1010)); // expires at 1_010_000 ms
    now = 1_005_000;
    expect(cache.get(a1('d1'))?.connectionId).toBe('c1');
    await settle();
    expect(calls).toHaveLength(1);
  });

  it('drops the route when the refresh finds the device no longer registered', async () => {
    const { calls, lookup } = manualLookup();
    const cache = new RouteCache(30_000, 10, clock, { aheadMs: 5000, lookup });
    cache.set(reg('d1'));
    now += 26_000;
    cache.get(a1('d1'));
    await settle();
    calls[0]!.answer([]);
    await settle();
    expect(cache.get(a1('d1'))).toBeUndefined();
  });

  it('keeps the route after a failed refresh and tries again on a later get', async () => {
    const { calls, lookup } = manualLookup();
    const errors: unknown[] = [];
    const cache = new RouteCache(30_000, 10, clock, { aheadMs: 5000, lookup, onError: (e) => errors.push(e) });
    cache.set(reg('d1'));
    now += 26_000;
    cache.get(a1('d1'));
    await settle();
    calls[0]!.fail(new Error('registry down'));
    await settle();
    expect(errors).toHaveLength(1);
    expect(cache.get(a1('d1'))?.connectionId).toBe('c1');
    await settle();
    expect(calls).toHaveLength(2);
  });

  it('ignores a refresh that was overtaken by a gone answer (the old record must not come back)', async () => {
    const { calls, lookup } = manualLookup();
    const cache = new RouteCache(30_000, 10, clock, { aheadMs: 5000, lookup });
    cache.set(reg('d1', 'old'));
    now += 26_000;
    cache.get(a1('d1'));
    await settle();
    cache.invalidate(a1('d1'), 'old'); // the target edge answered gone
    calls[0]!.answer([reg('d1', 'old')]); // the refresh read the registry before the device moved
    await settle();
    expect(cache.get(a1('d1'))).toBeUndefined();
  });

  it('ignores a refresh overtaken by a newer route set meanwhile', async () => {
    const { calls, lookup } = manualLookup();
    const cache = new RouteCache(30_000, 10, clock, { aheadMs: 5000, lookup });
    cache.set(reg('d1', 'old'));
    now += 26_000;
    cache.get(a1('d1'));
    await settle();
    cache.set(reg('d1', 'new'));
    calls[0]!.answer([reg('d1', 'old')]);
    await settle();
    expect(cache.get(a1('d1'))?.connectionId).toBe('new');
  });
});
