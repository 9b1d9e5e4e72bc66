import { StoreUnavailableError } from '@pushwire/service-kit';
import { describeRegistryStoreContract, ManualClock, testRegistration as reg } from './testing';
import { MemoryRegistryStore } from './memory-registry-store';

describeRegistryStoreContract('MemoryRegistryStore', async (clock) => new MemoryRegistryStore({ now: clock.now, sweepIntervalMs: 0 }));

describe('MemoryRegistryStore', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('forgets dead records on the periodic sweep, so memory does not grow forever', async () => {
    jest.useFakeTimers();
    const clock = new ManualClock();
    const store = new MemoryRegistryStore({ now: clock.now, sweepIntervalMs: 1_000 });
    await store.renewLease('e1', 'http://e1', 3600);
    await store.register([reg(1, clock, { ttlSeconds: 10 }), reg(2, clock, { ttlSeconds: 10 }), reg(3, clock, { ttlSeconds: 3600 })]);
    expect(store.size).toBe(3);
    clock.advance(11_000);
    jest.advanceTimersByTime(1_000);
    expect(store.size).toBe(1);
    await store.close();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('drops every record of an edge whose lease lapsed when swept', async () => {
    const clock = new ManualClock();
    const store = new MemoryRegistryStore({ now: clock.now, sweepIntervalMs: 0 });
    await store.renewLease('e1', 'http://e1', 10);
    await store.register([reg(1, clock), reg(2, clock)]);
    clock.advance(10_000);
    expect(store.sweep()).toBe(2);
    expect(store.size).toBe(0);
    await store.close();
  });

  it('rejects with StoreUnavailableError once closed', async () => {
    const store = new MemoryRegistryStore();
    await store.close();
    await expect(store.lookup([{ accountId: 'a1', deviceId: 'd1' }])).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
