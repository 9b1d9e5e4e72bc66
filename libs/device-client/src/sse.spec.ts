import type { PushMessage } from './index';
import { nextConnection, nextFrame, setup, trackUnhandledRejections } from './spec-helpers';
import { waitForEvent } from './testing';

const unhandled = trackUnhandledRejections();
const t = setup({ heartbeatIntervalMs: 50 });

const push = (id: string): PushMessage => ({ type: 'push', id, payload: 'hi', priority: 'high', sentAt: Date.now(), ackRequired: true });

afterAll(() => expect(unhandled).toEqual([]));

describe('DeviceClient over SSE', () => {
  it.each(['header', 'query'] as const)('connects with %s auth, receives pushes and acks them by POST /v1/frames', async (auth) => {
    const client = t.client({ transport: 'sse', auth });
    const welcome = await client.connect();
    expect(welcome.deviceId).toBe('tv1');
    const conn = t.edge.connections[0]!;
    expect(conn).toMatchObject({ transport: 'sse', authVia: auth });
    const received = waitForEvent(client, 'push');
    const acked = nextFrame(t.edge, (f) => f.type === 'ack');
    conn.send(push('s-1'));
    conn.send(push('s-1'));
    expect(await received).toMatchObject({ id: 's-1', payload: 'hi' });
    expect((await acked).frame).toEqual({ type: 'ack', id: 's-1' });
  });

  it('matches requests sent by POST to replies on the stream', async () => {
    const client = t.client({ transport: 'sse' });
    await client.connect();
    expect(await client.listDevices()).toEqual([expect.objectContaining({ deviceId: 'tv1' })]);
    expect(await client.sendToDevice('phone1', {})).toBe('not_connected');
  });

  it('subscribes to the device list again on a new stream and emits the fresh list', async () => {
    const client = t.client({ transport: 'sse', random: () => 0 });
    await client.connect();
    await client.subscribeDevices();
    const fresh = waitForEvent(client, 'devices');
    const renewed = nextFrame(t.edge, (f, conn) => f.type === 'devices.subscribe' && conn !== t.edge.connections[0]);
    t.edge.abortStreams();
    await renewed;
    expect(await fresh).toEqual([expect.objectContaining({ deviceId: 'tv1' })]);
  });

  it('rejects connect with unauthorized on 401', async () => {
    await expect(t.client({ transport: 'sse', token: 'stolen' }).connect()).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it('stays closed and emits replaced when the edge closes the stream with 4001', async () => {
    const older = t.client({ transport: 'sse' });
    await older.connect();
    const replaced = waitForEvent(older, 'replaced');
    await t.client({ transport: 'sse' }).connect();
    expect(await replaced).toMatchObject({ code: 4001, willReconnect: false });
    expect(older.state).toBe('closed');
  });

  it('reconnects with backoff when the stream just ends', async () => {
    const client = t.client({ transport: 'sse', random: () => 0 });
    const first = await client.connect();
    const closed = waitForEvent(client, 'close');
    const again = waitForEvent(client, 'welcome');
    t.edge.abortStreams();
    expect(await closed).toMatchObject({ code: 1006, willReconnect: true });
    expect((await again).connectionId).not.toBe(first.connectionId);
  });

  it('reconnects when the stream ends, after a reconnect hint', async () => {
    const client = t.client({ transport: 'sse', random: () => 0.5 });
    await client.connect();
    const closed = waitForEvent(client, 'close');
    const again = waitForEvent(client, 'welcome');
    const conn = t.edge.connections[0]!;
    conn.send({ type: 'reconnect', afterMs: 100, reason: 'drain' });
    await waitForEvent(client, 'reconnect');
    conn.close(4000, 'reconnect');
    expect(await closed).toMatchObject({ code: 4000, willReconnect: true, delayMs: 50 });
    expect((await again).connectionId).not.toBe(conn.connectionId);
  });

  it('treats heartbeat comments as signs of life, so a quiet stream is not probed', async () => {
    t.edge.opts.heartbeatSeconds = 1;
    const client = t.client({ transport: 'sse' });
    const conn = nextConnection(t.edge);
    await client.connect();
    // The edge sends `: hb` every 50 ms and nothing else; a probe would be due after 2 s of silence.
    const probed = nextFrame(t.edge, (f) => f.type === 'ping').then(
      () => 'probed',
      () => 'not probed',
    );
    expect(await Promise.race([probed, quietFor(2500)])).toBe('quiet');
    expect((await conn).frames).toEqual([]);
    expect(client.state).toBe('open');
  }, 8000);

  it('probes and reconnects when even the comments stop', async () => {
    t.edge.opts.heartbeatSeconds = 1;
    const client = t.client({ transport: 'sse' });
    const silenced = nextConnection(t.edge).then((c) => c.silence());
    await client.connect();
    await silenced;
    const closed = waitForEvent(client, 'close', 6000);
    await nextFrame(t.edge, (f) => f.type === 'ping');
    expect(await closed).toMatchObject({ reason: 'heartbeat timeout', willReconnect: true });
    await waitForEvent(client, 'welcome', 6000);
  }, 10_000);
});

// Only for asserting that something did NOT happen within the time it would have taken.
const quietFor = (ms: number) => new Promise<string>((resolve) => setTimeout(() => resolve('quiet'), ms));
