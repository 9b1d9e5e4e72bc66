import { createMetricsRegistry, silentLogger } from '@pushwire/service-kit';
import { MemoryInboxStore } from '../inbox/memory-inbox-store';
import { MemoryRegistryStore } from '../memory-registry-store';
import { buildRegistryApp } from './registry-app';

describe('registry /readyz', () => {
  const build = (over: { leasesDown?: boolean; inboxDown?: boolean }) => {
    const store = new MemoryRegistryStore({ sweepIntervalMs: 0 });
    const inbox = new MemoryInboxStore();
    if (over.leasesDown) store.readLeases = () => Promise.reject(new Error('dynamodb: connection refused'));
    if (over.inboxDown) inbox.pending = () => Promise.reject(new Error('dynamodb: throttled'));
    const app = buildRegistryApp({
      store,
      inbox,
      serviceToken: 'registry-readiness-token',
      logger: silentLogger(),
      metricsRegistry: createMetricsRegistry('registry', false),
    });
    return {
      readyz: () => app.inject({ method: 'GET', url: '/readyz' }),
      close: async () => {
        await app.close();
        await Promise.all([store.close(), inbox.close()]);
      },
    };
  };

  it('is ready while both stores answer', async () => {
    const t = build({});
    const res = await t.readyz();
    await t.close();
    expect([res.statusCode, res.json()]).toEqual([200, { status: 'ready' }]);
  });

  it('answers 503 naming the registry store when it does not answer', async () => {
    const t = build({ leasesDown: true });
    const res = await t.readyz();
    await t.close();
    expect([res.statusCode, res.json()]).toEqual([
      503,
      { status: 'not_ready', failing: [{ dependency: 'registry-store', reason: 'dynamodb: connection refused' }] },
    ]);
  });

  it('answers 503 naming the inbox store when it does not answer', async () => {
    const t = build({ inboxDown: true });
    const res = await t.readyz();
    await t.close();
    expect([res.statusCode, res.json()]).toEqual([
      503,
      { status: 'not_ready', failing: [{ dependency: 'inbox-store', reason: 'dynamodb: throttled' }] },
    ]);
  });
});
