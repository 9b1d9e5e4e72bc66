import { edgeReadiness } from './edge-readiness';

describe('edgeReadiness', () => {
  let clock = 100_000;
  let renewedAt: number | undefined;
  const notReady = edgeReadiness({
    leaseRenewedAt: () => renewedAt,
    leaseTtlMs: 3000,
    extra: () => (clock > 200_000 ? [{ dependency: 'device-list', reason: 'unreachable' }] : []),
    now: () => clock,
  });

  it('names the registry before the first lease and once the lease is past its TTL', () => {
    expect(notReady()).toEqual([{ dependency: 'registry', reason: 'the edge lease has not been taken yet' }]);
    renewedAt = clock;
    clock += 3000;
    expect(notReady()).toEqual([]);
    clock += 2000;
    expect(notReady()).toEqual([{ dependency: 'registry', reason: 'the edge lease lapsed: last renewed 5 s ago' }]);
  });

  it('names the embedder’s failing checks after its own', () => {
    renewedAt = clock;
    expect(notReady()).toEqual([]);
    clock = 300_000;
    renewedAt = clock;
    expect(notReady()).toEqual([{ dependency: 'device-list', reason: 'unreachable' }]);
  });
});
