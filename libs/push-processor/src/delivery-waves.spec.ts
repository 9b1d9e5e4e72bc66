import { deviceRefKey, type DeviceRef, type PushMessage, type Registration } from '@pushwire/protocol';
import { PushClient } from '@pushwire/push-client';
import { FakeEdge } from '@pushwire/push-client/testing';
import type { RegistryClient } from '@pushwire/registry-client';
import { pushClientDelivery, type DeliveryAttempt, type DeliveryItem, type DeliveryPort } from './delivery-port';
import { DeliveryWaves } from './delivery-waves';
import { byId, cleanups, request, runCleanups, setup, to } from './testing/processor-bed';

jest.setTimeout(15_000);
afterEach(runCleanups);

const message = (id: string): PushMessage => ({ id, payload: { id } });

/** A port that records each deliverMany call and answers per message id (default delivered). */
class WavePort implements DeliveryPort {
  readonly waves: { deviceId: string; messageId: string; inboxed?: boolean }[][] = [];
  answers = new Map<string, DeliveryAttempt['status']>();
  async deliver(): Promise<DeliveryAttempt> {
    throw new Error('deliver: a batching port is called with deliverMany only');
  }
  async deliverMany(items: readonly DeliveryItem[]): Promise<DeliveryAttempt[]> {
    this.waves.push(
      items.map((i) => ({ deviceId: i.target.deviceId, messageId: i.message.id, ...(i.opts?.inboxed ? { inboxed: true } : {}) })),
    );
    await Promise.resolve();
    return items.map((i) => ({ status: this.answers.get(i.message.id) ?? 'delivered', edgeId: 'edge-1' }));
  }
}

describe('DeliveryWaves', () => {
  it('hands the deliveries started in one turn to the port in one call, each caller getting its own answer', async () => {
    const port = new WavePort();
    port.answers.set('m-2', 'not_connected');
    const waves = new DeliveryWaves(port);
    const answers = await Promise.all(['m-1', 'm-2', 'm-3'].map((id, i) => waves.deliver(to(`tv-${i}`), message(id))));
    expect(port.waves).toEqual([
      [
        { deviceId: 'tv-0', messageId: 'm-1' },
        { deviceId: 'tv-1', messageId: 'm-2' },
        { deviceId: 'tv-2', messageId: 'm-3' },
      ],
    ]);
    expect(answers.map((a) => a.status)).toEqual(['delivered', 'not_connected', 'delivered']);
  });

  it('splits a turn into waves of at most maxWave, in order', async () => {
    const port = new WavePort();
    const waves = new DeliveryWaves(port, 2);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => waves.deliver(to(`tv-${id}`), message(id))));
    expect(port.waves.map((w) => w.map((d) => d.messageId))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('settles each delivery alone on a port without deliverMany: one that throws fails only itself', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const port: DeliveryPort = {
      deliver: async (target) => {
        if (target.deviceId === 'tv-bad') throw new Error('boom');
        await gate;
        return { status: 'delivered' };
      },
    };
    const waves = new DeliveryWaves(port);
    const ok = waves.deliver(to('tv-ok'), message('ok'));
    await expect(waves.deliver(to('tv-bad'), message('bad'))).rejects.toThrow('boom');
    release(); // tv-ok's delivery was still running when tv-bad's failed
    await expect(ok).resolves.toEqual({ status: 'delivered' });
  });

  it('fails every delivery of a wave whose deliverMany fails, and only those', async () => {
    let calls = 0;
    const port: DeliveryPort = {
      deliver: () => Promise.reject(new Error('unused')),
      deliverMany: async (items) => {
        if (++calls === 1) throw new Error('port broke');
        return items.map(() => ({ status: 'delivered' }));
      },
    };
    const waves = new DeliveryWaves(port);
    const first = [waves.deliver(to('tv-1'), message('x')), waves.deliver(to('tv-2'), message('y'))];
    const settled = await Promise.allSettled(first);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    await expect(waves.deliver(to('tv-3'), message('z'))).resolves.toEqual({ status: 'delivered' });
  });
});

describe('PushProcessor delivering in waves', () => {
  it("sends a batch's targets together, one message per device per wave, each device's messages in offset order", async () => {
    const port = new WavePort();
    port.answers.set('b-1', 'not_connected'); // b-1 goes to the inbox; b-2 follows it, in order
    const bed = await setup({
      delivery: port,
      concurrency: { high: 100, normal: 100, low: 100 },
      partitions: { high: 1, normal: 1, low: 1, outcomes: 1, dlq: 1 },
    });
    await bed.publish(
      'normal',
      request('tv-a', 'a-1'),
      request('tv-b', 'b-1'),
      request('tv-a', 'a-2'),
      request('tv-c', 'c-1'),
      request('tv-b', 'b-2'),
      request('tv-a', 'a-3'),
    );
    await bed.start();
    const { outcomes } = await bed.settled();

    const first = port.waves[0]!;
    expect(first.map((d) => d.messageId).sort()).toEqual(['a-1', 'b-1', 'c-1']);
    for (const wave of port.waves) expect(new Set(wave.map((d) => d.deviceId)).size).toBe(wave.length); // never two of one device
    // (The race closure after storing b-1 delivers it once more, marked inboxed: not a new message.)
    const order = (deviceId: string) => port.waves.flat().filter((d) => d.deviceId === deviceId && !d.inboxed);
    expect(order('tv-a').map((d) => d.messageId)).toEqual(['a-1', 'a-2', 'a-3']);
    expect(order('tv-b').map((d) => d.messageId)).toEqual(['b-1', 'b-2']);
    // Fewer calls than messages: the batch travelled in waves, not message by message.
    expect(port.waves.length).toBeLessThan(6);

    // Each answer came back to its own message: b-1's not_connected stored it (its final outcome is
    // the edge's later), the rest delivered.
    const final = byId(outcomes);
    expect(final.get('b-1')?.status).toBe('stored');
    for (const id of ['a-1', 'a-2', 'a-3', 'b-2', 'c-1']) expect(final.get(id)?.status).toBe('delivered');
  });

  it('through the push client: one request per target edge per wave, partial failures mapped back to their messages', async () => {
    const edgeA = await FakeEdge.start({ edgeId: 'edge-a', serviceToken: 'tok' });
    const edgeB = await FakeEdge.start({ edgeId: 'edge-b', serviceToken: 'tok' });
    cleanups.push(
      () => edgeA.close(),
      () => edgeB.close(),
    );
    const placed = new Map<string, Registration>();
    const place = (edge: FakeEdge, deviceId: string) => {
      const connectionId = `conn-${deviceId}`;
      edge.connections.set(deviceRefKey(to(deviceId)), connectionId);
      placed.set(deviceRefKey(to(deviceId)), {
        ...to(deviceId),
        deviceType: 'tv',
        edgeId: edge.edgeId,
        edgeUrl: edge.url,
        connectionId,
        connectedAt: Date.now(),
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      });
    };
    for (const d of ['a1', 'a2', 'a3']) place(edgeA, d);
    for (const d of ['b1', 'b2']) place(edgeB, d);
    edgeB.answer = (d) => (d.message.id === 'b2-1' ? { status: 'backpressure', retryAfterMs: 5 } : undefined);
    const lookups: DeviceRef[][] = [];
    const registry = {
      lookup: async (devices: DeviceRef[]) => {
        lookups.push(devices);
        return {
          registrations: devices.flatMap((d) => placed.get(deviceRefKey(d)) ?? []),
          missing: devices.filter((d) => !placed.has(deviceRefKey(d))),
        };
      },
      close: async () => undefined,
    } as unknown as RegistryClient;
    const client = new PushClient({ registry, serviceToken: 'tok', batchMaxSize: 1000 });
    cleanups.push(() => client.close());
    const bed = await setup({
      delivery: pushClientDelivery(client),
      concurrency: { high: 100, normal: 100, low: 100 },
      partitions: { high: 1, normal: 1, low: 1, outcomes: 1, dlq: 1 },
      now: Date.now,
    });
    const at = Date.now();
    const req = (deviceId: string, id: string) => request(deviceId, id, { enqueuedAt: at });
    await bed.publish(
      'normal',
      req('a1', 'a1-1'),
      req('a2', 'a2-1'),
      req('b1', 'b1-1'),
      req('a1', 'a1-2'),
      req('b2', 'b2-1'),
      req('a3', 'a3-1'),
    );
    await bed.start();
    const { outcomes } = await bed.settled();

    // The first wave: one request to each edge, with that edge's devices only, and one lookup.
    expect(edgeA.requests[0]!.deliveries.map((d) => d.message.id)).toEqual(['a1-1', 'a2-1', 'a3-1']);
    expect(edgeB.requests[0]!.deliveries.map((d) => d.message.id)).toEqual(['b1-1', 'b2-1']);
    expect(lookups[0]!.map((d) => d.deviceId).sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    expect(lookups).toHaveLength(1); // the routes are cached for the next waves
    // a1's second message came after its first, in a later wave.
    expect(edgeA.deliveries.filter((d) => d.deviceId === 'a1').map((d) => d.message.id)).toEqual(['a1-1', 'a1-2']);
    const final = byId(outcomes);
    for (const id of ['a1-1', 'a1-2', 'a2-1', 'a3-1', 'b1-1']) expect(final.get(id)).toMatchObject({ status: 'delivered', attempts: 1 });
    // b2-1 met backpressure every quick attempt, then went to the inbox: its own outcome, no one else's.
    expect(final.get('b2-1')).toMatchObject({ status: 'stored' });
  });
});
