import type { AddressInfo } from 'node:net';
import { DeviceClient } from '@pushwire/device-client';
import { startTestEdge, TEST_SERVICE_TOKEN } from '@pushwire/edge/testing';
import { Deferred } from '@pushwire/event-bus/testing';
import type { InboxEntry, InboxStoreResult } from '@pushwire/protocol';
import { PushClient } from '@pushwire/push-client';
import { buildRegistryApp, MemoryInboxStore, MemoryRegistryStore, StoreRegistryClient } from '@pushwire/registry';
import { HttpInboxClient } from '@pushwire/registry-client';
import { createMetricsRegistry, silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import { pushClientDelivery } from './delivery-port';
import { cleanups, newProcessor, RecordingBus, runCleanups, to } from './testing/processor-bed';

// The hole of issue 16: an inbox store that times out at the processor but went through at the
// registry. Everything on real sockets: the registry app (its inbox in memory, behind a store that
// commits and then holds its answer), a real edge reading that inbox over HTTP and reporting what it
// delivers from it, the push client, a device. The processor's store call times out after 300 ms.

// Under 10 s alone; starting a registry, an edge and a processor takes far longer on a loaded machine.
jest.setTimeout(60_000);
afterEach(runCleanups);

/** A MemoryInboxStore whose `store` commits, then answers only once the test releases it. */
class LateAnswerInbox extends MemoryInboxStore {
  readonly committed: string[] = [];
  readonly release = new Deferred();
  holding = true;

  override async store(entries: InboxEntry[]): Promise<InboxStoreResult[]> {
    const results = await super.store(entries);
    this.committed.push(...entries.map((e) => e.message.id));
    if (this.holding) await this.release.promise;
    return results;
  }
}

async function lateAnswerBed() {
  const inboxStore = new LateAnswerInbox({ sweepIntervalMs: 0 });
  const store = new MemoryRegistryStore({ sweepIntervalMs: 0 });
  cleanups.push(async () => {
    inboxStore.release.resolve();
    await inboxStore.close();
    await store.close();
  });
  const app = buildRegistryApp({
    store,
    inbox: inboxStore,
    serviceToken: TEST_SERVICE_TOKEN,
    logger: silentLogger(),
    metricsRegistry: createMetricsRegistry('registry', false),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(() => app.close());
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const bus = new RecordingBus();
  cleanups.push(() => bus.close());
  const edge = await startTestEdge(
    {},
    {
      store,
      registry: new StoreRegistryClient(store),
      inbox: new HttpInboxClient({ baseUrl, serviceToken: TEST_SERVICE_TOKEN }),
      eventBus: bus,
    },
  );
  cleanups.push(() => edge.stop());
  const client = new PushClient({ registry: edge.registry, serviceToken: TEST_SERVICE_TOKEN, bus });
  cleanups.push(() => client.close());
  return { inboxStore, baseUrl, bus, edge, client };
}

describe('PushProcessor when an inbox store times out but the registry stored the message', () => {
  it('leaves the final outcome to whoever takes the entry out: exactly one delivered, however the device connects meanwhile', async () => {
    const { inboxStore, baseUrl, bus, edge, client } = await lateAnswerBed();
    // The processor's retry after the failed store waits until the device got the stored message.
    const drained = new Deferred();
    const processor = newProcessor(bus, {
      delivery: pushClientDelivery(client),
      inbox: new HttpInboxClient({ baseUrl, serviceToken: TEST_SERVICE_TOKEN, timeoutMs: 300 }),
      retry: { quickAttempts: 1, baseDelayMs: 10, maxDelayMs: 50 },
      now: Date.now,
      sleep: () => drained.promise,
    });
    await processor.start();
    cleanups.push(() => processor.stop());

    await client.enqueue(to('tv-1'), { n: 1 }, { id: 'late-answer', ttlSeconds: 600 });
    // The device is offline: the processor stores; the registry commits and holds its answer.
    await waitFor(() => inboxStore.committed.includes('late-answer'), { what: 'the store committed at the registry' });

    // The device connects: the edge reads its inbox, delivers the entry, takes it out and reports `delivered`.
    const pushes: string[] = [];
    const device = new DeviceClient({ url: edge.deviceUrl, token: await edge.token('acct-1', 'tv-1'), reconnect: { enabled: false } });
    cleanups.push(() => device.close());
    device.on('push', (p) => {
      pushes.push(p.id);
    });
    await device.connect();
    const finals = () => bus.outcomes().filter((o) => o.messageId === 'late-answer' && o.status !== 'stored');
    await waitFor(() => finals().length === 1 && pushes.includes('late-answer'), { what: "the edge's delivered outcome" });
    await waitFor(async () => (await edge.registry.lookup([to('tv-1')])).registrations.length === 1, { what: 'tv-1 registered' });

    // Only now may the processor go on after its store timed out.
    inboxStore.holding = false;
    drained.resolve();
    await waitFor(
      async () => {
        const lag = await processor.lag();
        return lag.length > 0 && lag.every((l) => l.lag === 0);
      },
      { what: 'the request record committed' },
    );

    expect(finals().map((o) => [o.status, o.edgeId])).toEqual([['delivered', edge.edge.edgeId]]);
    expect(bus.outcomes().filter((o) => o.messageId === 'late-answer' && o.status === 'delivered')).toHaveLength(1);
    expect(pushes[0]).toBe('late-answer');
    expect(bus.deadLetters()).toEqual([]);
  });
});
