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
