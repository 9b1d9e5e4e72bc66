import { DeviceClient } from '@pushwire/device-client';
import { startTestEdge, TEST_SERVICE_TOKEN } from '@pushwire/edge/testing';
import { type HandlerRejection } from '@pushwire/event-bus';
import { Inbox } from '@pushwire/event-bus/testing';
import { Topics, type Priority, type PushOutcomeRecord } from '@pushwire/protocol';
import { PushClient } from '@pushwire/push-client';
import { TestInboxClient } from '@pushwire/registry/testing';
import { waitFor } from '@pushwire/test-kit';
import { pushClientDelivery } from './delivery-port';
import {
  AGE,
  answer,
  byId,
  cleanups,
  keyOf,
  newProcessor,
  NOW,
  pause,
  RecordingBus,
  request,
  runCleanups,
  ScriptedDelivery,
  setup,
  to,
} from './testing/processor-bed';

// The real PushProcessor on the real in-memory bus. Delivery is either a scripted DeliveryPort
// (the processor's own port, its answers set per message) or, in the last tests, the production
// adapter: push client → registry → a real edge → a connected device. The inbox is an in-memory
// InboxClient: the registry's own inbox in memory (TestInboxClient, @pushwire/registry/testing). The inbox lifecycle's own
// specs are in push-processor.inbox.spec.ts.

// Each test takes well under a second; the margin is for a loaded machine (waits give up after 5 s).
jest.setTimeout(15_000);
afterEach(runCleanups);

describe('PushProcessor on the in-memory event bus', () => {
  it('delivers the records of all three priority topics and writes exactly one outcome each: id, target, priority, status, attempts, latency', async () => {
    const bed = await setup();
    await bed.publish('high', request('tv-1', 'h-1'), request('tv-2', 'h-2'));
    await bed.publish(
      'normal',
      request('tv-1', 'n-1'),
      request('tv-3', 'n-2'),
      request('tv-4', 'n-3', { ttlSeconds: 60, enqueuedAt: NOW - 20_000 }),
    );
    await bed.publish('low', request('tv-2', 'l-1'));
    // A consumer of the outcome topic, as `pushctl outcomes` is one.
    const tail = new Inbox();
    await bed.bus.subscribe({ groupId: 'outcome-tail', topics: [Topics.pushOutcomes], handler: tail.handler });
    await bed.start();

    const { outcomes, deadLetters } = await bed.settled();
    const delivered = (messageId: string, deviceId: string, priority: Priority, latencyMs = AGE): PushOutcomeRecord => ({
      v: 1,
      messageId,
      target: to(deviceId),
      priority,
      status: 'delivered',
      attempts: 1,
      latencyMs,
      enqueuedAt: NOW - latencyMs,
      completedAt: NOW,
      edgeId: 'edge-1',
    });
    expect([...outcomes].sort((a, b) => a.messageId.localeCompare(b.messageId))).toEqual([
      delivered('h-1', 'tv-1', 'high'),
      delivered('h-2', 'tv-2', 'high'),
      delivered('l-1', 'tv-2', 'low'),
      delivered('n-1', 'tv-1', 'normal'),
      delivered('n-2', 'tv-3', 'normal'),
      delivered('n-3', 'tv-4', 'normal', 20_000),
    ]);
    expect(deadLetters).toEqual([]);

    // Each message reached its device once, with its topic's priority and the TTL it has left.
    const sent = Object.fromEntries(bed.delivery.calls.map((c) => [c.message.id, [c.deviceId, c.message.priority, c.message.ttlSeconds]]));
    expect(sent).toEqual({
      'h-1': ['tv-1', 'high', 3600],
      'h-2': ['tv-2', 'high', 3600],
      'l-1': ['tv-2', 'low', 3600],
      'n-1': ['tv-1', 'normal', 3600],
      'n-2': ['tv-3', 'normal', 3600],
      'n-3': ['tv-4', 'normal', 40],
    });
    expect(bed.delivery.calls).toHaveLength(6);

    // The outcome records are on the topic for its consumers, keyed by target device.
    const consumed = await tail.until(6);
    expect(consumed.map((r) => [r.key, (JSON.parse(r.value) as PushOutcomeRecord).messageId]).sort()).toEqual([
      [keyOf('tv-1'), 'h-1'],
      [keyOf('tv-1'), 'n-1'],
      [keyOf('tv-2'), 'h-2'],
      [keyOf('tv-2'), 'l-1'],
      [keyOf('tv-3'), 'n-2'],
      [keyOf('tv-4'), 'n-3'],
    ]);
  });

  it("keeps each target's order within its partition, across batches and retries, while different targets are delivered concurrently", async () => {
    const bed = await setup();
    const devices = ['tv-a', 'tv-b', 'tv-c', 'tv-d', 'tv-e', 'tv-f']; // six targets on two partitions: several share one
    const ids = (device: string) => Array.from({ length: 8 }, (_, i) => `${device}-${i}`);
    for (const device of devices) {
      // Message 3 first meets a stale route, message 5 a full buffer: the retry must not let 4 or 6 overtake.
      bed.delivery.script(`${device}-3`, answer('gone'), answer('delivered'));
      bed.delivery.script(`${device}-5`, answer('backpressure'), answer('delivered'));
    }
    bed.delivery.delayMs = (m) => Number(m.id.slice(-1)) % 3;
    await bed.start();
    // Four publishes of two messages per device, devices interleaved, while the processor runs: several batches per partition.
    for (let round = 0; round < 4; round++) {
      await bed.publish(
        'normal',
        ...devices.flatMap((d) =>
          ids(d)
            .slice(round * 2, round * 2 + 2)
            .map((id) => request(d, id)),
        ),
      );
      // The processor has taken this round in before the next is published: several batches per partition.
      await bed.delivery.startedOf(`${devices[0]}-${round * 2}`);
    }

    const { outcomes } = await bed.settled();
    for (const device of devices) {
      expect(bed.delivery.deliveredTo(device)).toEqual(ids(device));
      // Every attempt, retries included, in order: no message is tried while an earlier one is unfinished.
      expect(bed.delivery.calls.filter((c) => c.deviceId === device).map((c) => c.message.id)).toEqual(
        ids(device).flatMap((id) => (id.endsWith('-3') || id.endsWith('-5') ? [id, id] : [id])),
      );
      const mine = outcomes.filter((o) => o.target.deviceId === device);
      expect(mine.map((o) => [o.messageId, o.status, o.attempts])).toEqual(
        ids(device).map((id) => [id, 'delivered', id.endsWith('-3') || id.endsWith('-5') ? 2 : 1]),
      );
    }
    expect(outcomes).toHaveLength(48);
    expect(bed.delivery.mostAtOncePerDevice).toBe(1);
    expect(bed.delivery.mostAtOnce).toBeGreaterThan(1);
  });

  it('delivers only the newest of queued messages with one collapse key to one target; the older ones end as collapsed', async () => {
    const bed = await setup();
    await bed.publish(
      'normal',
      request('tv-1', 'score-1', { collapseKey: 'score' }),
      request('tv-1', 'chat-1'),
      request('tv-1', 'score-2', { collapseKey: 'score' }),
      request('tv-1', 'profile-1', { collapseKey: 'profile' }),
      request('tv-1', 'score-3', { collapseKey: 'score' }),
      request('tv-2', 'score-x', { collapseKey: 'score' }), // same key, other target: not collapsed
    );
    await bed.start();

    const { outcomes, deadLetters } = await bed.settled();
    expect(bed.delivery.deliveredTo('tv-1')).toEqual(['chat-1', 'profile-1', 'score-3']);
    expect(bed.delivery.deliveredTo('tv-2')).toEqual(['score-x']);
    expect(bed.delivery.attemptsOf('score-1') + bed.delivery.attemptsOf('score-2')).toBe(0);
    const o = byId(outcomes);
    for (const id of ['score-1', 'score-2']) {
      expect(o.get(id)).toEqual({
        v: 1,
        messageId: id,
        target: to('tv-1'),
        priority: 'normal',
        status: 'collapsed',
        attempts: 0,
        latencyMs: AGE,
        enqueuedAt: NOW - AGE,
        completedAt: NOW,
        detail: 'replaced by message score-3 with the same collapse key',
      });
    }
    expect(['chat-1', 'profile-1', 'score-3', 'score-x'].map((id) => o.get(id)?.status)).toEqual([
      'delivered',
      'delivered',
      'delivered',
      'delivered',
    ]);
    expect(outcomes).toHaveLength(6);
    expect(deadLetters).toEqual([]);
  });

  it('ends a message whose TTL has passed as expired without delivering it, also when the wait for a retry would outlast it', async () => {
    const bed = await setup();
    bed.delivery.script('late', answer('backpressure', { retryAfterMs: 1_000 }));
    await bed.publish(
      'normal',
      request('tv-1', 'stale', { ttlSeconds: 60, enqueuedAt: NOW - 61_000 }),
      request('tv-2', 'stale-default-ttl', { enqueuedAt: NOW - 3_600_001 }), // no TTL: the default 3600 s, just past
      request('tv-3', 'fresh', { ttlSeconds: 60, enqueuedAt: NOW - 59_000 }),
      request('tv-4', 'late', { ttlSeconds: 2, enqueuedAt: NOW - 1_500 }), // 500 ms left, the edge asks for 1 s
    );
    await bed.start();

    const { outcomes, deadLetters } = await bed.settled();
    const o = byId(outcomes);
    expect(o.get('stale')).toEqual({
      v: 1,
      messageId: 'stale',
      target: to('tv-1'),
      priority: 'normal',
      status: 'expired',
      attempts: 0,
      latencyMs: 61_000,
      enqueuedAt: NOW - 61_000,
      completedAt: NOW,
    });
    expect(o.get('stale-default-ttl')).toMatchObject({ status: 'expired', attempts: 0, latencyMs: 3_600_001 });
    expect(o.get('fresh')).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(o.get('late')).toMatchObject({ status: 'expired', attempts: 1, edgeId: 'edge-1', detail: 'scripted backpressure' });
    expect(bed.delivery.calls.map((c) => [c.message.id, c.message.ttlSeconds])).toEqual(
      expect.arrayContaining([
        ['fresh', 1],
        ['late', 1],
      ]),
    );
    expect(bed.delivery.calls).toHaveLength(2);
    expect(deadLetters).toEqual([]);
  });

  it('dead-letters malformed records as invalid_record and goes on with the rest of the partition', async () => {
    const bed = await setup();
    const values = [
      JSON.stringify(request('tv-1', 'ok-1')),
      '{"v":1,"target":', // not JSON
      JSON.stringify({ v: 1, target: to('tv-1'), message: { payload: 1 }, enqueuedAt: NOW }), // no message id
      JSON.stringify(request('tv-1', 'ok-2')),
      JSON.stringify(request('tv-7', 'wrong-key')), // keyed tv-1, for tv-7: it would break tv-7's order
    ];
    await bed.bus.publish(
      Topics.pushRequests.normal,
      values.map((value) => ({ key: keyOf('tv-1'), value })),
    );
    await bed.start();

    const first = await bed.settled();
    expect(first.deadLetters.map((d) => [d.reason, d.source.offset, d.key, d.value])).toEqual([
      ['invalid_record', '1', keyOf('tv-1'), values[1]],
      ['invalid_record', '2', keyOf('tv-1'), values[2]],
      ['invalid_record', '4', keyOf('tv-1'), values[4]],
    ]);
    expect(first.deadLetters.map((d) => d.detail)).toEqual([
      expect.stringContaining('not JSON'),
      expect.stringContaining('message'),
      expect.stringContaining("is not the target device's key"),
    ]);
    expect(
      first.deadLetters.every((d) => d.source.topic === Topics.pushRequests.normal && d.failedAt === NOW && d.messageId === undefined),
    ).toBe(true);
    expect(first.outcomes.map((o) => [o.messageId, o.status])).toEqual([
      ['ok-1', 'delivered'],
      ['ok-2', 'delivered'],
    ]);

    // The partition is not stuck: the next record is handled too.
    await bed.publish('normal', request('tv-1', 'ok-3'));
    const second = await bed.settled();
    expect(bed.delivery.deliveredTo('tv-1')).toEqual(['ok-1', 'ok-2', 'ok-3']);
    expect(second.outcomes.map((o) => o.messageId)).toEqual(['ok-1', 'ok-2', 'ok-3']);
    expect(second.deadLetters).toHaveLength(3);
    expect(bed.delivery.calls.map((c) => c.message.id)).not.toContain('wrong-key');
  });

  it('on stop, finishes the batches in flight and writes their outcomes before stop resolves; the next processor gets only what was left', async () => {
    const bed = await setup();
    const gate = bed.delivery.hold('slow');
    await bed.publish('normal', request('tv-1', 'slow'), request('tv-1', 'behind-slow'), request('tv-2', 'quick'));
    await bed.start();
    cleanups.push(async () => gate.resolve()); // a failed expectation must not leave stop() waiting on the gate
    await bed.delivery.startedOf('slow');

    bed.bus.publishDelayMs = 30; // outcomes take a while to be stored: stop must wait for that too
    let stopped = false;
    const stopping = bed.processor.stop().then(() => (stopped = true));
    await bed.publish('high', request('tv-3', 'after-stop'));
    // A bounded wait, as it proves something does NOT happen (stop resolving while `slow` is held), and
    // no event marks "would have resolved by now"; 50 ms is ample for a stop with nothing in flight.
    await pause(50);
    expect(stopped).toBe(false); // still delivering `slow`
    gate.resolve();
    await stopping;

    // At the moment stop resolved, the in-flight work and what queued behind it in its batch had outcomes.
    expect(
      bed.bus
        .outcomes()
        .map((o) => [o.messageId, o.status])
        .sort(),
    ).toEqual([
      ['behind-slow', 'delivered'],
      ['quick', 'delivered'],
      ['slow', 'delivered'],
    ]);
    expect(bed.delivery.deliveredTo('tv-1')).toEqual(['slow', 'behind-slow']);
    expect(bed.delivery.attemptsOf('after-stop')).toBe(0);

    // They were committed, too: the group's next processor handles only the record published during the stop.
    const next = new ScriptedDelivery();
    const successor = newProcessor(bed.bus, { delivery: next });
    await bed.start(successor);
    const { outcomes } = await bed.settled(successor);
    expect(next.calls.map((c) => c.message.id)).toEqual(['after-stop']);
    expect(outcomes.map((o) => o.messageId).sort()).toEqual(['after-stop', 'behind-slow', 'quick', 'slow']);
  });

  it('when a delivery throws, rejects the batch only once its other deliveries are done, so the batch never runs twice at once', async () => {
    const rejections: HandlerRejection[] = [];
    const bed = await setup({}, { onHandlerRejected: (r) => rejections.push(r) });
    bed.delivery.script('boom', 'throw', answer('delivered'));
    const gate = bed.delivery.hold('slow');
    await bed.publish('low', request('tv-1', 'slow'), request('tv-2', 'boom')); // one partition: one batch
    await bed.start();
    cleanups.push(async () => gate.resolve());
    await bed.delivery.startedOf('boom');
    // A bounded wait, as it proves something does NOT happen (the batch coming again while `slow` is
    // held), and there is no event for that: 50 ms is several redelivery backoffs (5–10 ms).
    await pause(50);

    expect(bed.delivery.attemptsOf('slow')).toBe(1);
    gate.resolve();
    const { outcomes } = await bed.settled();
    expect(rejections.map((r) => [r.topic, r.attempt, (r.error as Error).message])).toEqual([
      [Topics.pushRequests.low, 1, 'scripted failure delivering boom'],
    ]);
    expect(bed.delivery.mostAtOncePerDevice).toBe(1);
    // At least once: the rejected batch came again whole; its outcomes were written once, by the attempt that went through.
    expect(bed.delivery.calls.map((c) => c.message.id).sort()).toEqual(['boom', 'boom', 'slow', 'slow']);
    expect(outcomes.map((o) => [o.messageId, o.status]).sort()).toEqual([
      ['boom', 'delivered'],
      ['slow', 'delivered'],
    ]);
  });
});

describe('PushProcessor with messages no delivery can help (issue 12)', () => {
  it('counts the TTL from createdAt, not enqueuedAt: a message created long before it was enqueued expires', async () => {
    const bed = await setup();
    const stale = request('tv-1', 'stale', { ttlSeconds: 60 });
    const created = { ...stale, message: { ...stale.message, createdAt: NOW - 61_000 } };
    await bed.publish('normal', created, request('tv-2', 'fresh', { ttlSeconds: 60 }));
    await bed.start();
    const o = byId((await bed.settled()).outcomes);
    expect(o.get('stale')).toMatchObject({ status: 'expired', attempts: 0 });
    expect(o.get('fresh')).toMatchObject({ status: 'delivered' });
    expect(bed.delivery.calls.map((c) => c.message.id)).toEqual(['fresh']);
  });

  it('ends a message created in the future, or whose payload can never fit a device frame, as rejected without delivering it', async () => {
    const bed = await setup({ maxMessageBytes: 1024 });
    const ahead = request('tv-1', 'ahead');
    const big = request('tv-2', 'big');
    await bed.publish(
      'normal',
      { ...ahead, message: { ...ahead.message, createdAt: NOW + 3_600_000 } },
      { ...big, message: { ...big.message, payload: 'x'.repeat(2000) } },
    );
    await bed.start();
    const { outcomes, deadLetters } = await bed.settled();
    const o = byId(outcomes);
    expect(o.get('ahead')).toMatchObject({ status: 'rejected', attempts: 0, detail: expect.stringContaining('ahead of the clock') });
    expect(o.get('big')).toMatchObject({
      status: 'rejected',
      attempts: 0,
      detail: expect.stringContaining('can never fit a device frame'),
    });
    expect(bed.delivery.calls).toEqual([]);
    expect(deadLetters).toEqual([]);
  });

  it('dead-letters a record nested deeper than MAX_JSON_DEPTH as invalid_record, saying so', async () => {
    const bed = await setup();
    const deep = `{"v":1,"target":{"accountId":"a1","deviceId":"tv-1"},"message":{"id":"deep","payload":${'['.repeat(10_000)}${']'.repeat(10_000)}},"enqueuedAt":1}`;
    await bed.bus.publish(Topics.pushRequests.normal, [{ key: 'tv-1', value: deep }]);
    await bed.publish('normal', request('tv-1', 'after'));
    await bed.start();
    const { outcomes, deadLetters } = await bed.settled();
    expect(deadLetters.map((d) => [d.reason, d.detail, d.value])).toEqual([
      ['invalid_record', 'value: / nests arrays and objects deeper than 64 levels', deep],
    ]);
    expect(outcomes.map((o) => [o.messageId, o.status])).toEqual([['after', 'delivered']]);
  });
});

describe('PushProcessor through the push client to a real edge', () => {
  /** A real edge, a bus and a push client on them (all closed after the test), and a way to connect devices to the edge. */
  async function edgeBed() {
    const edge = await startTestEdge();
    cleanups.push(() => edge.stop());
    const bus = new RecordingBus();
    cleanups.push(() => bus.close());
    const client = new PushClient({ registry: edge.registry, serviceToken: TEST_SERVICE_TOKEN, bus });
    cleanups.push(() => client.close());
    /** Connects device `deviceId` of `accountId`, telling `onPush` of each push it gets. */
    const connect = async (accountId: string, deviceId: string, onPush: (p: { id: string; payload: unknown }) => void) => {
      const device = new DeviceClient({ url: edge.deviceUrl, token: await edge.token(accountId, deviceId), reconnect: { enabled: false } });
      cleanups.push(() => device.close());
      device.on('push', (p) => {
        onPush(p);
      });
      await device.connect();
    };
    return { edge, bus, client, connect };
  }

  it("delivers enqueued messages to a connected device (delivered / acknowledged), never to another account's device of the same id, and stores those to an offline device (stored)", async () => {
    const { edge, bus, client, connect } = await edgeBed();
    const processor = newProcessor(bus, { delivery: pushClientDelivery(client), now: Date.now });

    const pushes: Array<{ id: string; payload: unknown }> = [];
    await connect('acct-1', 'tv-live', (p) => pushes.push({ id: p.id, payload: p.payload }));
    // Another account's device with the same id, on the same edge: a device of its own.
    const namesakePushes: string[] = [];
    await connect('evil', 'tv-live', (p) => namesakePushes.push(p.id));
    // The edge registers a new connection asynchronously; wait until the registry routes to it.
    await waitFor(async () => (await edge.registry.lookup([to('tv-live'), to('tv-live', 'evil')])).registrations.length === 2, {
      what: 'both tv-live registered',
    });

    await processor.start();
    cleanups.push(() => processor.stop());
    const enqueuedAt = Date.now();
    await client.enqueue(to('tv-live'), { n: 1 }, { id: 'live-high', priority: 'high' });
    await client.enqueue(to('tv-live'), { n: 2 }, { id: 'live-ack', ack: true });
    await client.enqueue(to('tv-live'), { n: 3 }, { id: 'live-low', priority: 'low' });
    await client.enqueue(to('tv-offline'), { n: 4 }, { id: 'offline' });
    await client.enqueue(to('tv-live', 'evil'), { n: 5 }, { id: 'for-evil' });

    await waitFor(() => bus.outcomes().length >= 5, { what: '5 outcomes' });
    await waitFor(() => pushes.length >= 3, { what: '3 pushes on the device' });
    await waitFor(() => namesakePushes.length >= 1, { what: "the namesake's push" });
    const o = byId(bus.outcomes());
    expect(bus.outcomes()).toHaveLength(5);
    expect(o.get('for-evil')).toMatchObject({ target: to('tv-live', 'evil'), status: 'delivered', attempts: 1 });
    expect(namesakePushes).toEqual(['for-evil']);
    expect(o.get('live-high')).toMatchObject({
      target: to('tv-live'),
      priority: 'high',
      status: 'delivered',
      attempts: 1,
      edgeId: edge.edge.edgeId,
    });
    expect(o.get('live-ack')).toMatchObject({ priority: 'normal', status: 'acknowledged', attempts: 1, edgeId: edge.edge.edgeId });
    expect(o.get('live-low')).toMatchObject({ priority: 'low', status: 'delivered', attempts: 1, edgeId: edge.edge.edgeId });
    expect(o.get('offline')).toMatchObject({ target: to('tv-offline'), status: 'stored', attempts: 1, source: 'queued' });
    expect(o.get('offline')!.edgeId).toBeUndefined();
    for (const outcome of o.values()) {
      expect(outcome.enqueuedAt).toBeGreaterThanOrEqual(enqueuedAt);
      expect(outcome.latencyMs).toBe(outcome.completedAt - outcome.enqueuedAt);
      expect(outcome.latencyMs).toBeLessThan(5_000);
    }
    expect(pushes.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'live-ack', payload: { n: 2 } },
      { id: 'live-high', payload: { n: 1 } },
      { id: 'live-low', payload: { n: 3 } },
    ]);
    expect(bus.deadLetters()).toEqual([]);
  });

  it('delivers a message stored while its device connects (the race closure): a fresh lookup after storing, the delivery marked inboxed', async () => {
    const { edge, bus, client, connect } = await edgeBed();
    const pushes: string[] = [];
    const connectDevice = async () => {
      await connect('acct-1', 'tv-late', (p) => pushes.push(p.id));
      await waitFor(async () => (await edge.registry.lookup([to('tv-late')])).registrations.length === 1, { what: 'tv-late registered' });
    };
    /** The device comes online after the processor found it offline, before the store answers. */
    class ConnectingMeanwhile extends TestInboxClient {
      override async store(entries: Parameters<TestInboxClient['store']>[0]) {
        await connectDevice();
        return super.store(entries);
      }
    }
    const inbox = new ConnectingMeanwhile({ now: Date.now });
    const delivery = pushClientDelivery(client);
    const sent: Array<[string, boolean]> = [];
    const processor = newProcessor(bus, {
      delivery: { deliver: (t, m, o) => (sent.push([m.id, o?.inboxed === true]), delivery.deliver(t, m, o)) },
      inbox,
      now: Date.now,
    });
    await processor.start();
    cleanups.push(() => processor.stop());
    await client.enqueue(to('tv-late'), { n: 1 }, { id: 'late-1', ttlSeconds: 600 });

    await waitFor(() => pushes.includes('late-1'), { what: 'late-1 at the device' });
    expect(sent).toEqual([
      ['late-1', false],
      ['late-1', true],
    ]);
    expect(bus.outcomes().map((o) => [o.messageId, o.status])).toEqual([['late-1', 'stored']]);
    // Taking it out of the inbox and reporting `delivered` is the delivering edge's part (inboxed).
    expect(inbox.entries().map((e) => e.message.id)).toEqual(['late-1']);
  });
});

describe('PushProcessor keeps its group membership through a long batch', () => {
  it('tells the group it is alive every second while a delivery takes long, so the batch is committed once', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const { processor, delivery } = await setup();
      const gate = delivery.hold('slow');
      let beats = 0;
      const ctx = { heartbeat: async () => void beats++, isRunning: () => true };
      const handled = processor.handleBatch(
        [
          {
            topic: Topics.pushRequests.normal,
            partition: 0,
            offset: '0',
            key: keyOf('tv1'),
            value: JSON.stringify(request('tv1', 'slow')),
            headers: {},
            timestamp: NOW,
          },
        ],
        ctx,
      );
      await delivery.startedOf('slow');
      await jest.advanceTimersByTimeAsync(3500);
      expect(beats).toBeGreaterThanOrEqual(3);
      gate.resolve();
      await handled;
      const after = beats;
      await jest.advanceTimersByTimeAsync(3000);
      expect(beats).toBe(after); // the batch is done: no more heartbeats on its behalf
    } finally {
      jest.useRealTimers();
    }
  });
});
