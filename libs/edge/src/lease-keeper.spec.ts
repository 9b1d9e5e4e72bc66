import type { RegistryClient } from '@pushwire/registry-client';
import { silentLogger } from '@pushwire/service-kit';
import { LeaseKeeper } from './lease-keeper';

/** A registry whose lease renewals are recorded and can be made to fail. */
function leaseRegistry() {
  const state = { down: false, renewed: true };
  const calls: { at: number; incarnation: string | undefined }[] = [];
  const registry = {
    renewLease: async (_edgeId: string, _url: string, _ttl: number, opts: { incarnation?: string } = {}) => {
      calls.push({ at: Date.now(), incarnation: opts.incarnation });
      if (state.down) throw new Error('registry down');
      return { lease: { edgeId: 'e', edgeUrl: 'http://e', expiresAt: 0 }, renewed: state.renewed };
    },
    releaseLease: async () => undefined,
  } as unknown as RegistryClient;
  return { registry, state, calls };
}

describe('LeaseKeeper', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('renews every third of the TTL with its incarnation, every 500 ms while renewals fail, and re-registers when back', async () => {
    const r = leaseRegistry();
    let lost = 0;
    const keeper = new LeaseKeeper(r.registry, silentLogger(), {
      edgeId: 'e',
      ttlSeconds: 9,
      incarnation: 'proc-1',
      onLeaseLost: () => lost++,
    });
    await keeper.start('http://e');
    expect(lost).toBe(0);
    await jest.advanceTimersByTimeAsync(6000);
    expect(r.calls.map((c) => c.at - 1_000_000)).toEqual([0, 3000, 6000]);
    expect(r.calls.every((c) => c.incarnation === 'proc-1')).toBe(true);

    r.state.down = true;
    await jest.advanceTimersByTimeAsync(3000 + 1500);
    expect(r.calls.slice(3).map((c) => c.at - 1_000_000)).toEqual([9000, 9500, 10_000, 10_500]);

    r.state.down = false;
    r.state.renewed = false; // the lease lapsed meanwhile
    await jest.advanceTimersByTimeAsync(500);
    expect(lost).toBe(1);
    r.state.renewed = true;
    await jest.advanceTimersByTimeAsync(3000);
    expect(r.calls.slice(7).map((c) => c.at - 1_000_000)).toEqual([11_000, 14_000]);
    expect(lost).toBe(1);
    await keeper.stop(true);
  });

  it('re-registers after an outage even when the lease outlived it', async () => {
    const r = leaseRegistry();
    let lost = 0;
    const keeper = new LeaseKeeper(r.registry, silentLogger(), {
      edgeId: 'e',
      ttlSeconds: 30,
      incarnation: 'p',
      onLeaseLost: () => lost++,
    });
    await keeper.start('http://e');
    r.state.down = true;
    await jest.advanceTimersByTimeAsync(10_000);
    r.state.down = false;
    await jest.advanceTimersByTimeAsync(500);
    expect(lost).toBe(1);
    await keeper.stop(false);
  });
});
