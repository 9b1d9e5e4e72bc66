import { DeviceClient, type DeviceClientOptions } from '@pushwire/device-client';
import { topicRecorder, waitForEvent } from '@pushwire/device-client/testing';
import { MemoryEventBus } from '@pushwire/event-bus';
import { topicEpochOf } from '@pushwire/protocol';
import { PushClient } from '@pushwire/push-client';
import { waitFor } from '@pushwire/test-kit';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';

/**
 * Topics through the device SDK against real edges: a backend publishes with the push client to
 * the topic log (a MemoryEventBus every test edge reads), the edges fan out, the SDK hands each
 * message to its handler once, and after a failover to another edge it resubscribes by itself and
 * gets what it missed — or is told it cannot.
 */
describe('device SDK ↔ edge: topics and broadcast', () => {
  let bus: MemoryEventBus;
  let publisher: PushClient;
  let epoch: string;
  const edges: TestEdge[] = [];
  const clients: DeviceClient[] = [];

  /** A test edge reading the shared log; each keeps at most 2 messages per topic, so a longer gap is unrecoverable. */
  const edge = async () => {
    const t = await startTestEdge({ topicHistoryMessages: 2 }, { topicLog: bus });
    edges.push(t);
    return t;
  };
  const device = (urls: TestEdge[], deviceId: string, opts: Partial<DeviceClientOptions> = {}) => {
    const c = new DeviceClient({
      url: urls.map((t) => t.deviceUrl),
      token: () => urls[0]!.token('sdk', deviceId, { topics: ['live:*'], deviceType: 'tv' }),
      reconnect: { baseDelayMs: 50, maxDelayMs: 200 },
      ...opts,
    });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    bus = new MemoryEventBus();
    epoch = topicEpochOf(await bus.logId());
    publisher = new PushClient({ registryUrl: 'http://127.0.0.1:9', serviceToken: TEST_SERVICE_TOKEN, bus });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(edges.splice(0).map((t) => t.stop()));
  });
  afterAll(async () => {
    await publisher.close();
    await bus.close();
  });

  it.each(['websocket', 'sse'] as const)(
    '%s: subscribe → publish → handler; broadcast; a topic outside the token is forbidden',
    async (transport) => {
      const t = await edge();
      const c = device([t], `tv-${transport}`, { transport });
      await c.connect();
      const live = topicRecorder();
      const sub = await c.subscribe('live:m1', live.handler);
      expect(sub.position.epoch).toBe(epoch);
      await expect(c.subscribe('news', () => undefined)).rejects.toMatchObject({ name: 'DeviceClientError', code: 'forbidden' });

      const published = await publisher.publish('live:m1', { score: '1-0' });
      await live.count(1);
      expect(live.got[0]).toEqual({
        topic: 'live:m1',
        id: published.id,
        offset: published.offset,
        epoch,
        payload: { score: '1-0' },
        sentAt: expect.any(Number),
      });
      expect(sub.position).toEqual({ offset: published.offset, epoch });

      const broadcast = waitForEvent(c, 'broadcast', 5000);
      const sent = await publisher.broadcast({ x: 1 }, { deviceTypes: ['tv'] });
      expect(await broadcast).toMatchObject({ id: sent.id, payload: { x: 1 } });

      await sub.unsubscribe();
      await publisher.publish('live:m1', 'after unsubscribe');
      const probe = topicRecorder();
      await c.subscribe('live:probe', probe.handler);
      await publisher.publish('live:probe', 'later');
      await probe.count(1);
      expect(live.payloads()).toEqual([{ score: '1-0' }]);
    },
  );

  it('reconnects to another edge, resubscribes by itself and gets what it missed, in order — or recovered: false', async () => {
    const a = await edge();
    const b = await edge();
    // The device connects where `target` says, once `gate` opens: it stays away while the test publishes.
    let target = a;
    let gate = Promise.resolve();
    const c = device([a], 'tv-away', { url: async () => (await gate, target.deviceUrl) });
    await c.connect();
    const kept = topicRecorder();
    const lost = topicRecorder();
    await c.subscribe('live:kept', kept.handler);
    const lostSub = await c.subscribe('live:lost', lost.handler);
    await publisher.publish('live:kept', 'k1');
    await publisher.publish('live:lost', 'l1');
    await kept.count(1);
    await lost.count(1);
    // A device that stays on edge b: once it has a message, so has b's history.
    const watcher = device([b], 'tv-watcher');
    await watcher.connect();
    const seenOnB = topicRecorder();
    await watcher.subscribe('live:kept', seenOnB.handler);

    const recoveries: unknown[] = [];
    c.on('topic.recovery', (r) => void recoveries.push(r));
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    target = b;
    const closed = waitForEvent(c, 'close', 5000);
    edges.splice(edges.indexOf(a), 1);
    await a.stop();
    await closed;
    // While the device is away: 2 messages of live:kept (edge b keeps 2 per topic), 3 of live:lost (one too many).
    await publisher.publish('live:kept', 'k2');
    for (const payload of ['l2', 'l3', 'l4']) await publisher.publish('live:lost', payload);
    const last = await publisher.publish('live:kept', 'k3');
    await seenOnB.count(2);
    open();

    await kept.count(3);
    await waitFor(() => recoveries.length === 2, { what: 'both subscriptions renewed', timeoutMs: 5000 });
    expect(recoveries).toEqual(
      expect.arrayContaining([
        { topic: 'live:kept', recovered: true },
        { topic: 'live:lost', recovered: false },
      ]),
    );
    expect(kept.payloads()).toEqual(['k1', 'k2', 'k3']);
    expect(lost.payloads()).toEqual(['l1']); // the app reloads its state instead
    // Not recovered: the subscription goes on from where edge b's log was.
    expect(lostSub.position).toEqual({ offset: last.offset, epoch });

    await publisher.publish('live:lost', 'l5');
    await lost.count(2);
    expect(lost.payloads()).toEqual(['l1', 'l5']);
  }, 20_000);
});
