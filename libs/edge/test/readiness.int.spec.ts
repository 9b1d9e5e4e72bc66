import { MemoryRegistryStore, StoreRegistryClient } from '@pushwire/registry';
import type { RegistryClient } from '@pushwire/registry-client';
import { waitFor } from '@pushwire/test-kit';
import { startTestEdge, type TestEdge } from '../src/testing';

/** A registry client whose lease renewals fail while `down.on` (the registry unreachable for this edge). */
function registryThatGoesDown(store: MemoryRegistryStore): { registry: RegistryClient; down: { on: boolean } } {
  const real = new StoreRegistryClient(store);
  const down = { on: false };
  const registry: RegistryClient = Object.assign(Object.create(real) as StoreRegistryClient, {
    renewLease: (...args: Parameters<RegistryClient['renewLease']>) =>
      down.on ? Promise.reject(new Error('registry unreachable')) : real.renewLease(...args),
  });
  return { registry, down };
}

describe('edge: /readyz follows the lease', () => {
  let t: TestEdge;
  let store: MemoryRegistryStore;
  let down: { on: boolean };
  const readyz = async (url: string) => {
    const res = await fetch(`${url}/readyz`, { headers: { connection: 'close' } }); // uWS keeps idle sockets 10 s
    return { status: res.status, body: (await res.json()) as unknown };
  };

  beforeAll(async () => {
    store = new MemoryRegistryStore({ sweepIntervalMs: 0 });
    const flaky = registryThatGoesDown(store);
    down = flaky.down;
    t = await startTestEdge({ leaseTtlSeconds: 2, healthPort: 0 }, { store, registry: flaky.registry });
  });
  afterAll(async () => {
    await t.stop();
    await store.close();
  });

  it('answers 503 naming the registry once the lease lapses unrenewed, on both ports, and ready again once it is renewed', async () => {
    expect(await readyz(t.internalUrl)).toEqual({ status: 200, body: { status: 'ready' } });

    down.on = true;
    await waitFor(async () => (await readyz(t.internalUrl)).status === 503, {
      what: '/readyz 503 after the lease lapsed',
      timeoutMs: 5000,
    });
    const answer = await readyz(t.internalUrl);
    expect(answer.body).toEqual({
      status: 'not_ready',
      failing: [{ dependency: 'registry', reason: expect.stringMatching(/^the edge lease lapsed: last renewed \d+ s ago$/) }],
    });
    expect(await readyz(`http://127.0.0.1:${t.edge.healthPort}`)).toEqual(answer);

    down.on = false;
    await waitFor(async () => (await readyz(t.internalUrl)).status === 200, { what: '/readyz 200 once renewed', timeoutMs: 5000 });
  });
});
