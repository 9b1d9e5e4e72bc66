import { PushClient, PushClientError } from './index';
import { deviceRefKey } from '@pushwire/protocol';
import { SERVICE_TOKEN, target } from './testing/registry-harness';
import { useTestBed } from './testing/test-bed';

let t: number;
const bed = useTestBed({ now: () => t });

beforeEach(() => {
  t = Date.now();
});

describe('PushClient.send', () => {
  it('delivers to the owning edge, fenced by the connection id, and reports the status', async () => {
    const reg = await bed.h.place('tv-1', bed.edgeA);
    const c = new PushClient({ registryUrl: bed.h.registryUrl, serviceToken: SERVICE_TOKEN, newId: () => 'msg-1', now: () => t });
    bed.own(c);

    const result = await c.send(target('tv-1'), { title: 'hello' }, { priority: 'high', ttlSeconds: 30 });

    expect(result).toEqual({
      accountId: 'acct-1',
      deviceId: 'tv-1',
      messageId: 'msg-1',
      status: 'delivered',
      edgeId: 'edge-a',
      attempts: 1,
    });
    expect(bed.edgeA.requests.map((r) => r.body)).toEqual([
      {
        accountId: 'acct-1',
        deviceId: 'tv-1',
        connectionId: reg.connectionId,
        message: { id: 'msg-1', payload: { title: 'hello' }, createdAt: t, priority: 'high', ttlSeconds: 30 },
      },
    ]);
    expect(bed.edgeB.requests).toHaveLength(0);
  });

  it("reaches only the named account's device, never another account's device of the same id", async () => {
    const mine = await bed.h.place('tv9', bed.edgeA, 'a1');
    const theirs = await bed.h.place('tv9', bed.edgeB, 'evil');
    const c = bed.client();

    expect(await c.send(target('tv9', 'a1'), 'for a1')).toMatchObject({
      accountId: 'a1',
      deviceId: 'tv9',
      status: 'delivered',
      edgeId: 'edge-a',
    });
    expect(await c.send(target('tv9', 'evil'), 'for evil')).toMatchObject({ accountId: 'evil', status: 'delivered', edgeId: 'edge-b' });
    expect(await c.send(target('tv9', 'nobody'), 'for nobody')).toMatchObject({
      accountId: 'nobody',
      status: 'not_connected',
      attempts: 0,
    });
    expect(bed.edgeA.deliveries.map((d) => [d.accountId, d.connectionId, d.message.payload])).toEqual([
      ['a1', mine.connectionId, 'for a1'],
    ]);
    expect(bed.edgeB.deliveries.map((d) => [d.accountId, d.connectionId, d.message.payload])).toEqual([
      ['evil', theirs.connectionId, 'for evil'],
    ]);
  });

  it('refuses a target without its account as invalid_message, before any lookup', async () => {
    const error = await bed
      .client()
      .send({ deviceId: 'tv-1' } as never, 'x')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_message', retriable: false, message: expect.stringContaining('/accountId') });
    expect(bed.h.registry.lookups).toHaveLength(0);
  });

  it('answers not_connected for a device the registry does not know, without calling any edge', async () => {
    const result = await bed.client().send(target('nobody'), 'hi', { id: 'm-1' });
    expect(result).toEqual({ accountId: 'acct-1', deviceId: 'nobody', messageId: 'm-1', status: 'not_connected', attempts: 0 });
    expect(bed.edgeA.requests.length + bed.edgeB.requests.length).toBe(0);
  });

  it('reuses a looked-up route for routeCacheTtlMs, then looks it up again', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    const c = bed.client({ routeCacheTtlMs: 2000, routeRefreshAheadMs: 0 }); // refreshes ahead: push-client.refresh.spec

    await c.send(target('tv-1'), 1);
    t += 1999;
    await c.send(target('tv-1'), 2);
    expect(bed.h.registry.lookups).toHaveLength(1);

    t += 1;
    await c.send(target('tv-1'), 3);
    expect(bed.h.registry.lookups).toHaveLength(2);
    expect(bed.edgeA.deliveries).toHaveLength(3);
  });

  it('on `gone` drops the cached route, looks up once more and delivers via the edge the device moved to', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    const c = bed.client();
    await c.send(target('tv-1'), 'warm the cache');
    const moved = await bed.h.place('tv-1', bed.edgeB); // edge A now holds no connection for tv-1

    const result = await c.send(target('tv-1'), 'after the move');

    expect(result).toMatchObject({ status: 'delivered', edgeId: 'edge-b', attempts: 2 });
    expect(bed.edgeA.deliveries.map((d) => d.message.payload)).toEqual(['warm the cache', 'after the move']);
    expect(bed.edgeB.deliveries).toEqual([expect.objectContaining({ connectionId: moved.connectionId })]);
    expect(bed.h.registry.lookups).toHaveLength(2);

    await c.send(target('tv-1'), 'next one');
    expect(bed.h.registry.lookups).toHaveLength(2); // the fresh route was cached
    expect(bed.edgeB.deliveries).toHaveLength(2);
  });

  it('does not deliver again when the fresh lookup names the connection that was just `gone`', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    bed.edgeA.connections.delete(deviceRefKey(target('tv-1'))); // the edge lost it; the registry does not know yet

    const result = await bed.client().send(target('tv-1'), 'x');

    expect(result).toMatchObject({ status: 'gone', edgeId: 'edge-a', attempts: 1 });
    expect(bed.edgeA.requests).toHaveLength(1);
    expect(bed.h.registry.lookups).toHaveLength(2);
  });

  it('on `not_connected` from the edge also looks up once more', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    const c = bed.client();
    await c.send(target('tv-1'), 'warm');
    await bed.h.place('tv-1', bed.edgeB);
    bed.edgeA.answer = () => ({ status: 'not_connected' });

    expect(await c.send(target('tv-1'), 'x')).toMatchObject({ status: 'delivered', edgeId: 'edge-b', attempts: 2 });
  });

  it('coalesces concurrent sends: 50 devices on 2 edges cost 1 lookup and 2 deliver requests', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `dev-${i}`);
    for (const [i, id] of ids.entries()) await bed.h.place(id, i % 2 ? bed.edgeB : bed.edgeA);
    const c = bed.client();

    const results = await Promise.all(ids.map((id) => c.send(target(id), { n: id })));

    expect(results.map((r) => [r.deviceId, r.status])).toEqual(ids.map((id) => [id, 'delivered']));
    expect(results.every((r, i) => r.edgeId === (i % 2 ? 'edge-b' : 'edge-a'))).toBe(true);
    expect(bed.h.registry.lookups).toEqual([ids.map((id) => target(id))]);
    expect(bed.edgeA.requests).toHaveLength(1);
    expect(bed.edgeB.requests).toHaveLength(1);
    expect(bed.edgeA.requests[0].deliveries).toHaveLength(25);
  });

  it("splits one edge's deliveries into chunks of batchMaxSize", async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `dev-${i}`);
    for (const id of ids) await bed.h.place(id, bed.edgeA);
    const c = bed.client({ batchMaxSize: 10 });

    await Promise.all(ids.map((id) => c.send(target(id), 1)));

    expect(bed.edgeA.requests.map((r) => r.deliveries.length).sort()).toEqual([10, 10, 5]);
    expect(bed.h.registry.lookups).toHaveLength(1);
  });

  it('with batchDelayMs coalesces sends made in different ticks', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    await bed.h.place('tv-2', bed.edgeA);
    const c = bed.client({ batchDelayMs: 20 });

    const first = c.send(target('tv-1'), 1);
    await new Promise((r) => setImmediate(r));
    const second = c.send(target('tv-2'), 2);

    expect((await Promise.all([first, second])).map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(bed.edgeA.requests).toHaveLength(1);
    expect(bed.h.registry.lookups).toHaveLength(1);
  });

  it('passes an ack request through and returns `acknowledged`, keeping it apart from fire-and-forget sends', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    await bed.h.place('tv-2', bed.edgeA);
    const c = bed.client();

    const [acked, plain] = await Promise.all([c.send(target('tv-1'), 'ack me', { ack: true }), c.send(target('tv-2'), 'no ack')]);

    expect(acked).toMatchObject({ status: 'acknowledged', attempts: 1 });
    expect(plain).toMatchObject({ status: 'delivered' });
    expect(bed.edgeA.requests).toHaveLength(2);
    const ackRequest = bed.edgeA.requests.find((r) => r.deliveries[0].deviceId === 'tv-1')!;
    expect(ackRequest.deliveries[0].message.ackRequired).toBe(true);
  });

  it('returns backpressure with retryAfterMs and does not retry', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    bed.edgeA.answer = () => ({ status: 'backpressure', retryAfterMs: 1500 });

    expect(await bed.client().send(target('tv-1'), 'x')).toMatchObject({ status: 'backpressure', retryAfterMs: 1500, attempts: 1 });
    expect(bed.edgeA.requests).toHaveLength(1);
  });

  it('rejects an invalid message with invalid_message naming the field, before any lookup', async () => {
    const c = bed.client();
    const error = await c.send(target('tv-1'), 'x', { ttlSeconds: -5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushClientError);
    expect(error).toMatchObject({ code: 'invalid_message', retriable: false, message: expect.stringContaining('/ttlSeconds') });
    expect(bed.h.registry.lookups).toHaveLength(0);
  });
});
