import { edgeReadiness } from './edge-readiness';

describe('edgeReadiness', () => {
  let clock = 100_000;
  let renewedAt: number | undefined;
  let history: { ready: boolean } | undefined;
  const notReady = edgeReadiness({
    leaseRenewedAt: () => renewedAt,
    leaseTtlMs: 3000,
    topicHistory: () => history,
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

  it('names the topic history while it loads (only when the edge reads a topic log), and the embedder’s checks', () => {
    renewedAt = clock;
    history = { ready: false };
    expect(notReady()).toEqual([{ dependency: 'topic-history', reason: 'the topic history is still loading from the topic log' }]);
    history.ready = true;
    expect(notReady()).toEqual([]);
    clock = 300_000;
    renewedAt = clock;
    expect(notReady()).toEqual([{ dependency: 'device-list', reason: 'unreachable' }]);
  });
});
