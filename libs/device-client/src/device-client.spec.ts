import { DeviceClient, DeviceClientError, type PushMessage } from './index';
import { errorsOf, nextConnection, nextFrame, setup, trackUnhandledRejections } from './spec-helpers';
import { waitForEvent } from './testing';

const unhandled = trackUnhandledRejections();
const t = setup();

const push = (id: string, extra: Partial<PushMessage> = {}): PushMessage => ({
  type: 'push',
  id,
  payload: { n: id },
  priority: 'normal',
  sentAt: Date.now(),
  ...extra,
});

afterAll(() => expect(unhandled).toEqual([]));

describe('DeviceClient over WebSocket: connect and auth', () => {
  it.each(['header', 'query', 'first-frame'] as const)('connects with %s auth and resolves with the welcome', async (auth) => {
    const client = t.client({ auth });
    const welcome = await client.connect();
    expect(welcome).toMatchObject({ type: 'welcome', deviceId: 'tv1', accountId: 'a1' });
    expect(client.state).toBe('open');
    expect(client.connectionId).toBe(welcome.connectionId);
    expect(t.edge.connections[0]).toMatchObject({ authVia: auth, connectionId: welcome.connectionId });
  });

  it('defaults to header auth in Node, keeping the token out of the URL', async () => {
    await t.client().connect();
    expect(t.edge.connections[0]!.authVia).toBe('header');
  });

  it('rejects connect with unauthorized on 401 and does not reconnect', async () => {
    const client = t.client({ token: 'stolen' });
    const closed = waitForEvent(client, 'close');
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceClientError);
    expect(error).toMatchObject({ code: 'unauthorized', status: 401, retriable: false });
    expect((error as Error).message).toContain('token missing, invalid or expired');
    expect(await closed).toMatchObject({ willReconnect: false });
    expect(client.state).toBe('closed');
  });

  it('rejects connect with unauthorized when first-frame auth fails (4003)', async () => {
    const client = t.client({ token: 'stolen', auth: 'first-frame' });
    await expect(client.connect()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(client.state).toBe('closed');
  });

  it('fetches a fresh token once after a 401 when the token is a function', async () => {
    const tokens = ['expired', 'tv'];
    const token = jest.fn(() => tokens.shift() ?? 'never');
    const welcome = await t.client({ token }).connect();
    expect(welcome.deviceId).toBe('tv1');
    expect(token).toHaveBeenCalledTimes(2);
  });

  it('gives up after the one token refresh if the fresh token is refused too', async () => {
    const token = jest.fn(async () => 'expired');
    await expect(t.client({ token }).connect()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(token).toHaveBeenCalledTimes(2);
  });

  it('waits at least Retry-After after a 503, then connects', async () => {
    t.edge.rejectNext(503, 1);
    const client = t.client({ random: () => 0 });
    const overloaded = waitForEvent(client, 'error');
    const closed = waitForEvent(client, 'close');
    const refusedAt = t.edge.next('rejected').then(() => Date.now());
    const welcome = client.connect();
    expect(await overloaded).toMatchObject({ code: 'overloaded', status: 503, retryAfterMs: 1000 });
    expect(await closed).toMatchObject({ willReconnect: true, delayMs: 1000 });
    await welcome;
    expect(Date.now() - (await refusedAt)).toBeGreaterThanOrEqual(990);
  });

  it('rejects connect with the refusal when reconnecting is disabled', async () => {
    t.edge.rejectNext(503, 1);
    await expect(t.client({ reconnect: { enabled: false } }).connect()).rejects.toMatchObject({ code: 'overloaded', retryAfterMs: 1000 });
  });

  it('rejects a pending connect with closed when close() is called', async () => {
    t.edge.rejectNext(503, 5);
    const client = t.client();
    const connecting = client.connect();
    await waitForEvent(client, 'close');
    await client.close();
    await expect(connecting).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('DeviceClient over WebSocket: pushes', () => {
  it('emits a push and acks it after the handlers ran when the sender asked for an ack', async () => {
    const client = t.client();
    const order: string[] = [];
    client.on('push', () => void order.push('handler'));
    await client.connect();
    const acked = nextFrame(t.edge, (f) => f.type === 'ack').then(({ frame }) => (order.push('ack'), frame));
    const received = waitForEvent(client, 'push');
    t.edge.connections[0]!.send(push('m-1', { ackRequired: true }));
    expect(await received).toMatchObject({ id: 'm-1', payload: { n: 'm-1' } });
    expect(await acked).toEqual({ type: 'ack', id: 'm-1' });
    expect(order).toEqual(['handler', 'ack']);
  });

  it('emits a repeated message id only once, but acks it again', async () => {
    const client = t.client();
    const ids: string[] = [];
    client.on('push', (p) => void ids.push(p.id));
    await client.connect();
    const conn = t.edge.connections[0]!;
    conn.send(push('m-1', { ackRequired: true }));
    conn.send(push('m-1', { ackRequired: true }));
    conn.send(push('m-2', { ackRequired: true }));
    await nextFrame(t.edge, (f) => f.type === 'ack' && f.id === 'm-2');
    expect(ids).toEqual(['m-1', 'm-2']);
    expect(conn.frames.filter((f) => f.type === 'ack').map((f) => f.type === 'ack' && f.id)).toEqual(['m-1', 'm-1', 'm-2']);
  });

  it('does not ack on its own with autoAck off; ack() sends it', async () => {
    const client = t.client({ autoAck: false });
    client.on('push', (p) => client.ack(p.id));
    await client.connect();
    t.edge.connections[0]!.send(push('m-9', { ackRequired: true }));
    const { conn } = await nextFrame(t.edge, (f) => f.type === 'ack' && f.id === 'm-9');
    expect(conn.frames.filter((f) => f.type === 'ack')).toHaveLength(1);
  });

  it('reports a throwing handler and an invalid frame as errors and keeps going', async () => {
    const client = t.client();
    client.on('push', (p) => {
      if (p.id === 'boom') throw new Error('handler broke');
    });
    await client.connect();
    const errors = errorsOf(client);
    const conn = t.edge.connections[0]!;
    conn.send({ type: 'push', id: 'no payload' } as never);
    conn.send(push('boom', { ackRequired: true }));
    await nextFrame(t.edge, (f) => f.type === 'ack' && f.id === 'boom');
    expect(errors).toEqual([
      expect.objectContaining({ code: 'invalid_frame' }),
      expect.objectContaining({ code: 'handler_error', message: expect.stringContaining('handler broke') }),
    ]);
    expect(client.state).toBe('open');
  });
});

describe('DeviceClient over WebSocket: reconnects', () => {
  it('reconnects after the edge goes away (1001)', async () => {
    const client = t.client();
    const first = await client.connect();
    const closed = waitForEvent(client, 'close');
    const again = waitForEvent(client, 'welcome');
    t.edge.connections[0]!.close(1001, 'shutting down');
    expect(await closed).toMatchObject({ code: 1001, willReconnect: true });
    expect(client.state).toBe('reconnecting');
    const second = await again;
    expect(second.connectionId).not.toBe(first.connectionId);
    expect(client.connectionId).toBe(second.connectionId);
  });

  it('follows reconnect {afterMs} then close 4000 with a delay of random · afterMs', async () => {
    const client = t.client({ random: () => 0.25 });
    await client.connect();
    const hint = waitForEvent(client, 'reconnect');
    const closed = waitForEvent(client, 'close');
    const again = waitForEvent(client, 'welcome');
    const conn = t.edge.connections[0]!;
    conn.send({ type: 'reconnect', afterMs: 400, reason: 'lifetime' });
    expect(await hint).toMatchObject({ afterMs: 400 });
    conn.close(4000, 'reconnect');
    expect(await closed).toMatchObject({ code: 4000, willReconnect: true, delayMs: 100 });
    await again;
    expect(t.edge.connections.filter((c) => !c.closed)).toHaveLength(1);
  });

  it('stays closed and emits replaced when a newer connection of the device takes over (4001)', async () => {
    const older = t.client();
    await older.connect();
    const replaced = waitForEvent(older, 'replaced');
    const newer = t.client();
    await newer.connect();
    expect(await replaced).toMatchObject({ code: 4001, willReconnect: false });
    expect(older.state).toBe('closed');
    expect(newer.state).toBe('open');
    expect(t.edge.connections.filter((c) => !c.closed).map((c) => c.connectionId)).toEqual([newer.connectionId]);
  });

  it('probes a silent edge with a ping and reconnects when it stays silent', async () => {
    t.edge.opts.heartbeatSeconds = 1;
    const client = t.client();
    const silenced = nextConnection(t.edge).then((conn) => conn.silence());
    await client.connect();
    await silenced;
    const pinged = nextFrame(t.edge, (f) => f.type === 'ping');
    const closed = waitForEvent(client, 'close', 6000);
    const again = waitForEvent(client, 'welcome', 6000);
    await pinged;
    expect(await closed).toMatchObject({ reason: 'heartbeat timeout', willReconnect: true });
    await again;
  }, 10_000);

  it('stops reconnecting once close() is called, and closes with 1000', async () => {
    const client = t.client({ random: () => 0.99 });
    await client.connect();
    const conn = t.edge.connections[0]!;
    const gone = t.edge.next('disconnect', (c) => c === conn);
    await client.close();
    await gone;
    expect(conn.closeCode).toBe(1000);
    expect(client.state).toBe('closed');

    const other = t.client({ random: () => 0.99 });
    await other.connect();
    const closed = waitForEvent(other, 'close');
    t.edge.connections[1]!.close(1001, 'bye');
    const { delayMs } = await closed;
    await other.close();
    // Waiting past the moment the cancelled reconnect was due is the only way to see it did not happen.
    await new Promise((resolve) => setTimeout(resolve, (delayMs ?? 0) + 100));
    expect(t.edge.connections).toHaveLength(2);
    expect(other.state).toBe('closed');
  });
});

describe('DeviceClient options', () => {
  it('uses an injected WebSocket constructor', async () => {
    const { WebSocket } = await import('ws');
    const urls: string[] = [];
    class Counting extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        urls.push(url);
      }
    }
    await t.client({ WebSocket: Counting, auth: 'query' }).connect();
    expect(urls).toEqual([expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/connect\?token=tv$/)]);
  });

  it('refuses options that cannot work', () => {
    expect(() => new DeviceClient({ url: 'not a url', token: 'x' })).toThrow(DeviceClientError);
    expect(() => new DeviceClient({ url: 'http://h', token: '' })).toThrow(/token/);
    expect(() => new DeviceClient({ url: 'http://h', token: 'x', transport: 'sse', auth: 'first-frame' })).toThrow(/first-frame/);
  });
});
