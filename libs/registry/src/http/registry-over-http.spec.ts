import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { HttpRegistryClient } from '@pushwire/registry-client';
import { ServiceCallError } from '@pushwire/service-http';
import { StoreUnavailableError } from '@pushwire/service-kit';
import { rejectionOf } from '@pushwire/test-kit';
import { MemoryRegistryStore } from '../memory-registry-store';
import type { RegistryStore } from '../registry-store';
import { listenTestRegistry, ManualClock, testRegistration } from '../testing';

// HttpRegistryClient against the real app on a real socket: what an edge or a sender sees.
const TOKEN = 'registry-socket-token-0123456789';

const listen = (store: RegistryStore) => listenTestRegistry(store, TOKEN);
const failure = (p: Promise<unknown>) => rejectionOf(p, ServiceCallError);

describe('HttpRegistryClient against the registry app on a real socket', () => {
  let clock: ManualClock;
  let store: MemoryRegistryStore;
  let app: FastifyInstance;
  let client: HttpRegistryClient;
  const toClose: { close(): Promise<unknown> }[] = [];

  const reg = (n: number) =>
    testRegistration(n, clock, {
      accountId: `a${n % 2}`,
      deviceType: 'tv',
      edgeId: 'edge-1',
      edgeUrl: 'http://edge-1:8081',
      ttlSeconds: 1800,
    });

  beforeEach(async () => {
    clock = new ManualClock();
    store = new MemoryRegistryStore({ now: clock.now, sweepIntervalMs: 0 });
    const served = await listen(store);
    app = served.app;
    client = new HttpRegistryClient({ baseUrl: served.baseUrl, serviceToken: TOKEN, timeoutMs: 5000 });
    toClose.push(client, app, store);
  });
  afterEach(async () => {
    for (const c of toClose.splice(0)) await c.close();
  });

  it("carries the edge's incarnation, so the same process re-taking its lapsed lease finds its devices routable again", async () => {
    const take = () => client.renewLease('edge-1', 'http://edge-1:8081', 10, { incarnation: 'proc-1' });
    await take();
    const r = reg(1);
    await client.register([r]);
    clock.advance(11_000);
    expect((await client.lookup([{ accountId: r.accountId, deviceId: r.deviceId }])).registrations).toEqual([]);
    expect((await take()).renewed).toBe(false);
    expect((await client.lookup([{ accountId: r.accountId, deviceId: r.deviceId }])).registrations).toEqual([r]);
  });

  it('takes a lease, registers more than one batch, looks up, lists and deregisters', async () => {
    expect((await client.renewLease('edge-1', 'http://edge-1:8081', 30)).renewed).toBe(false);
    expect((await client.renewLease('edge-1', 'http://edge-1:8081', 30)).renewed).toBe(true);
    const edges = ['edge-1', ...Array.from({ length: 600 }, (_, i) => `edge-none-${i}`)];
    expect(await client.leaseStatus(edges)).toEqual([
      { edgeId: 'edge-1', edgeUrl: 'http://edge-1:8081', expiresAt: Math.floor(clock.now() / 1000) + 30, epoch: expect.any(String) },
    ]);

    const regs = Array.from({ length: 1100 }, (_, i) => reg(i));
    const results = await client.register(regs);
    expect(results).toHaveLength(1100);
    expect(results.every((r) => r.outcome === 'registered')).toBe(true);

    const devices = [...regs.map((r) => ({ accountId: r.accountId, deviceId: r.deviceId })), { accountId: 'a1', deviceId: 'nobody' }];
    const found = await client.lookup(devices);
    expect(found.registrations).toHaveLength(1100);
    expect(found.missing).toEqual([{ accountId: 'a1', deviceId: 'nobody' }]);

    expect(await client.listByAccount('a1')).toHaveLength(550);

    expect(
      await client.deregister([
        { accountId: 'a1', deviceId: 'd1', connectionId: 'c1' },
        { accountId: 'a0', deviceId: 'd2', connectionId: 'stale' },
      ]),
    ).toEqual([
      { accountId: 'a1', deviceId: 'd1', outcome: 'deregistered' },
      { accountId: 'a0', deviceId: 'd2', outcome: 'not_current' },
    ]);
    await client.releaseLease('edge-1');
    expect(await client.lookup([{ accountId: 'a0', deviceId: 'd2' }])).toEqual({
      registrations: [],
      missing: [{ accountId: 'a0', deviceId: 'd2' }],
    });
    expect(await client.leaseStatus(['edge-1'])).toEqual([]);
  });

  it('fails without retry on a wrong service token and on an invalid request, with the server message', async () => {
    const intruder = new HttpRegistryClient({
      baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      serviceToken: 'not-the-right-token',
    });
    toClose.push(intruder);
    const denied = await failure(intruder.lookup([{ accountId: 'a1', deviceId: 'd1' }]));
    expect([denied.status, denied.retriable]).toEqual([401, false]);
    expect(denied.message).toContain('unauthorized');

    const invalid = await failure(client.renewLease('edge-1', 'http://edge-1:8081', 0));
    expect([invalid.status, invalid.retriable]).toEqual([400, false]);
    expect(invalid.message).toContain('body/ttlSeconds');
  });

  it('fails with a retriable error when the store is unavailable, never reporting devices missing', async () => {
    const broken = await listen({
      ...store,
      lookup: () => Promise.reject(new StoreUnavailableError('throttled')),
    } as unknown as RegistryStore);
    const brokenClient = new HttpRegistryClient({ baseUrl: broken.baseUrl, serviceToken: TOKEN });
    toClose.push(brokenClient, broken.app);
    const e = await failure(brokenClient.lookup([{ accountId: 'a1', deviceId: 'd1' }]));
    expect([e.status, e.retriable]).toEqual([503, true]);
    expect(e.message).toContain('store_unavailable');
  });
});
