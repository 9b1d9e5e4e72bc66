import type { DeviceRef } from '@pushwire/protocol';
import { MemoryRegistryStore, type RegistryStore } from '@pushwire/registry';
import { waitFor } from '@pushwire/test-kit';
import { testInboxEntry } from '@pushwire/registry/testing';
import { startTestEdge, type TestEdge } from '../src/testing';
import { RawDevice } from './raw-device';

/**
 * The store as the registry sees it, with a switch that makes every call fail like a stopped
 * DynamoDB, and one that fails only registrations (a store still too busy to take the re-registration).
 */
function storeWithOutage(store: MemoryRegistryStore): { store: RegistryStore; outage: { on: boolean; registers: boolean } } {
  const outage = { on: false, registers: false };
  const down = () => Promise.reject(new Error('store down'));
  const wrapped: RegistryStore = {
    register: (r) => (outage.on || outage.registers ? down() : store.register(r)),
    deregister: (i) => (outage.on ? down() : store.deregister(i)),
    lookup: (d) => (outage.on ? down() : store.lookup(d)),
    listByAccount: (a) => (outage.on ? down() : store.listByAccount(a)),
    renewLease: (...args) => (outage.on ? down() : store.renewLease(...args)),
    releaseLease: (e) => (outage.on ? down() : store.releaseLease(e)),
    readLeases: (e) => (outage.on ? down() : store.readLeases(e)),
    close: () => store.close(),
  };
  return { store: wrapped, outage };
}

describe('edge: routes after a registry store outage', () => {
  const DEVICES = 50;
  let t: TestEdge;
  let backing: MemoryRegistryStore;
  let outage: { on: boolean; registers: boolean };
  const devices: RawDevice[] = [];
  const refs: DeviceRef[] = Array.from({ length: DEVICES }, (_, i) => ({ accountId: `acct-${i % 5}`, deviceId: `tv-${i}` }));

  beforeAll(async () => {
    backing = new MemoryRegistryStore({ sweepIntervalMs: 0 });
    const failing = storeWithOutage(backing);
    outage = failing.outage;
    t = await startTestEdge({ leaseTtlSeconds: 2 }, { store: failing.store });
    for (const ref of refs) {
      const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token(ref.accountId, ref.deviceId)}`);
      await d.next('welcome');
      devices.push(d);
    }
  });
  afterAll(async () => {
    for (const d of devices) d.close();
    await t.stop();
    await backing.close();
  });

  it('makes devices that never disconnected routable again within 2 s of the store answering after their lease lapsed, and delivers what was stored for them meanwhile', async () => {
    await waitFor(async () => (await backing.lookup(refs)).length === DEVICES, { timeoutMs: 5000, what: 'all registered' });

    outage.on = true;
    // The lease (2 s) lapses while every renewal fails: lookups stop resolving the edge's devices.
    await waitFor(async () => (await backing.readLeases([t.edge.edgeId])).length === 0, { timeoutMs: 5000, what: 'the lease to lapse' });
    expect(await backing.lookup(refs)).toEqual([]);
    // Meanwhile a sender found device 0 missing and stored its message in the inbox.
    const stored = testInboxEntry(refs[0]!, { id: 'sent-during-the-outage', payload: 1, createdAt: Date.now(), ttlSeconds: 3600 });
    await t.inbox.store([stored]);

    // The store answers again, but the edge's re-registration does not get through: the devices
    // resolve anyway, through the records the same edge process wrote before the lapse.
    const back = Date.now();
    outage.registers = true;
    outage.on = false;
    await waitFor(async () => (await backing.lookup(refs)).length === DEVICES, { timeoutMs: 5000, what: 'every device routable again' });
    const recoveryMs = Date.now() - back;
    console.log(`routes back ${recoveryMs} ms after the store answered again (${DEVICES} devices, lease TTL 2 s)`);
    expect(recoveryMs).toBeLessThan(2000);

    // And the re-registration lands once registrations get through: the routes stay.
    outage.registers = false;
    await waitFor(() => t.edge.registrationBacklog === 0, { timeoutMs: 8000, what: 'the re-registration to land' });
    expect(await backing.lookup(refs)).toHaveLength(DEVICES);
    expect(t.edge.connections).toBe(DEVICES);
    // The re-registration is confirmed, so the edge read the inbox: the stored message is at the device.
    expect((await devices[0]!.next('push')).id).toBe(stored.message.id);
  }, 20_000);
});
