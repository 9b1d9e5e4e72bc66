import type { InboxEntry } from '@pushwire/protocol';
import { ServiceCallError } from '@pushwire/service-http';
import { rejectionOf } from '@pushwire/test-kit';
import { ManualClock } from '../testing';
import { MemoryInboxStore } from './memory-inbox-store';
import { StoreInboxClient } from './store-inbox-client';

const failure = (p: Promise<unknown>) => rejectionOf(p, ServiceCallError);

describe('StoreInboxClient', () => {
  let clock: ManualClock;
  let client: StoreInboxClient;
  let store: MemoryInboxStore;
  const entry = (id: string, deviceId = 'd1'): InboxEntry => ({
    target: { accountId: 'a1', deviceId },
    message: { id, payload: { id } },
    enqueuedAt: clock.now(),
    expiresAt: clock.now() + 60_000,
    storedAt: clock.now(),
    source: 'direct',
    attempts: 0,
  });
  beforeEach(() => {
    clock = new ManualClock();
    store = new MemoryInboxStore({ now: clock.now, sweepIntervalMs: 0 });
    client = new StoreInboxClient(store, { closeStore: true });
  });
  afterEach(() => client.close());

  it('stores, reads, removes and takes expired entries through the store', async () => {
    const m2 = entry('m2', 'd2');
    expect(await client.store([entry('m1'), m2])).toEqual([
      { messageId: 'm1', outcome: 'stored' },
      { messageId: 'm2', outcome: 'stored' },
    ]);
    expect(await client.pending([{ accountId: 'a1', deviceId: 'd1' }])).toEqual([
      { accountId: 'a1', deviceId: 'd1', entries: [entry('m1')], more: false },
    ]);
    expect(await client.remove([{ accountId: 'a1', deviceId: 'd1', messageId: 'm1' }])).toEqual([
      { accountId: 'a1', deviceId: 'd1', messageId: 'm1', entry: entry('m1') },
    ]);
    clock.advance(60_000);
    expect(await client.takeExpired(5)).toEqual([m2]);
  });

  it('refuses what the HTTP API refuses with a non-retriable invalid_request, touching nothing', async () => {
    const bad = { ...entry('m1'), target: { accountId: 'a1', deviceId: 'no spaces' } };
    expect(await failure(client.store([entry('m0'), bad]))).toMatchObject({ code: 'invalid_request', status: 400, retriable: false });
    expect(await client.pending([{ accountId: 'a1', deviceId: 'd1' }])).toEqual([]);
    expect(await failure(client.pending([{ accountId: 'a/1', deviceId: 'd1' }]))).toMatchObject({ code: 'invalid_request' });
    expect(await failure(client.remove([{ accountId: 'a1', deviceId: 'd1', messageId: '' }]))).toMatchObject({ code: 'invalid_request' });
    expect(await failure(client.takeExpired(0))).toMatchObject({ code: 'invalid_request' });
  });

  it('fails as the HTTP client does when the store is down: a retriable store_unavailable', async () => {
    await store.close();
    for (const call of [() => client.store([entry('m1')]), () => client.takeExpired(1)]) {
      expect(await failure(call())).toMatchObject({ code: 'store_unavailable', status: 503, retriable: true });
    }
  });
});
