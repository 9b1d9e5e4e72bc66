import { ServiceCallError } from '@pushwire/service-http';
import { StoreUnavailableError } from '@pushwire/service-kit';
import { rejectionOf } from '@pushwire/test-kit';
import { MemoryRegistryStore } from './memory-registry-store';
import type { RegistryStore } from './registry-store';
import { StoreRegistryClient } from './store-registry-client';
import { ManualClock, testRegistration as reg } from './testing';

/** Device `d<n>` of account a1. */
const a1 = (n: number | string) => ({ accountId: 'a1', deviceId: `d${n}` });

const failure = (p: Promise<unknown>) => rejectionOf(p, ServiceCallError);

describe('StoreRegistryClient', () => {
  let clock: ManualClock;
  let store: MemoryRegistryStore;
  let client: StoreRegistryClient;
  beforeEach(() => {
    clock = new ManualClock();
    store = new MemoryRegistryStore({ now: clock.now, sweepIntervalMs: 0 });
    client = new StoreRegistryClient(store, { closeStore: true });
  });
  afterEach(async () => {
    await client.close();
  });

  it('registers, looks up with missing ids, lists and deregisters through the store', async () => {
    expect(await client.renewLease('e1', 'http://e1', 30)).toMatchObject({ renewed: false });
    expect(await client.register([reg(1, clock), reg(2, clock)])).toEqual([
      { ...a1(1), outcome: 'registered' },
      { ...a1(2), outcome: 'registered' },
    ]);
    expect(await client.lookup([a1(1), a1(3), a1(3)])).toEqual({ registrations: [reg(1, clock)], missing: [a1(3)] });
    // d2 is a device of a1: in another account the same id names nothing.
    expect(await client.lookup([{ accountId: 'a2', deviceId: 'd2' }])).toEqual({
      registrations: [],
      missing: [{ accountId: 'a2', deviceId: 'd2' }],
    });
    expect(await client.listByAccount('a1')).toHaveLength(2);
    expect(await client.deregister([{ ...a1(1), connectionId: 'c1' }])).toEqual([{ ...a1(1), outcome: 'deregistered' }]);
    expect(await client.leaseStatus(['e1', 'e2'])).toEqual([
      { edgeId: 'e1', edgeUrl: 'http://e1', expiresAt: Math.floor(clock.now() / 1000) + 30, epoch: expect.any(String) },
    ]);
    await client.releaseLease('e1');
    expect(await client.lookup([a1(2)])).toEqual({ registrations: [], missing: [a1(2)] });
    expect(await client.leaseStatus(['e1'])).toEqual([]);
  });

  it('rejects invalid input as the HTTP API would, without touching the store', async () => {
    const e = await failure(client.register([{ ...reg(1, clock), deviceId: 'has spaces' }]));
    expect(e.retriable).toBe(false);
    expect(e.status).toBe(400);
    expect(e.message).toContain('/deviceId');
    expect((await failure(client.renewLease('e1', 'http://e1', 0))).status).toBe(400);
    const badEdge = await failure(client.leaseStatus(['e1', 'bad id!']));
    expect([badEdge.status, badEdge.retriable]).toEqual([400, false]);
    expect(badEdge.message).toContain('registry leaseStatus: invalid_request');
    const noAccount = await failure(client.lookup([{ accountId: '', deviceId: 'd1' }]));
    expect([noAccount.status, noAccount.message]).toEqual([400, expect.stringContaining('/accountId')]);
  });

  it('turns a failing store into a retriable error, never into missing devices', async () => {
    const broken = { lookup: () => Promise.reject(new StoreUnavailableError('dynamodb timed out')) } as unknown as RegistryStore;
    const e = await failure(new StoreRegistryClient(broken).lookup([a1(1)]));
    expect(e.retriable).toBe(true);
    expect(e.status).toBe(503);
    expect(e.message).toContain('dynamodb timed out');
  });

  it('leaves the store open on close unless asked to close it', async () => {
    await new StoreRegistryClient(store).close();
    await expect(store.lookup([a1(1)])).resolves.toEqual([]);
  });
});
