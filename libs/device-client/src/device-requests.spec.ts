import type { ClientFrame, ServerFrame } from '@pushwire/protocol';
import type { DeviceClient, DeviceClientEvents } from './index';
import { errorsOf, nextConnection, nextFrame, setup, trackUnhandledRejections } from './spec-helpers';
import { waitForEvent, type FakeConnection } from './testing';

const unhandled = trackUnhandledRejections();
const t = setup();

afterAll(() => expect(unhandled).toEqual([]));

const reqIdOf = (frame: ClientFrame): string => (frame as { reqId: string }).reqId;
const ids = (devices: { deviceId: string }[]) => devices.map((d) => d.deviceId).sort();

/** Connects `client` to an edge connection that answers nothing, so the test scripts the replies. */
async function scripted(client: DeviceClient): Promise<FakeConnection> {
  const silenced = nextConnection(t.edge).then((conn) => (conn.silence(), conn));
  await client.connect();
  return silenced;
}

/** Records the names of the events of `client`, in the order they were emitted. */
function recordEvents(client: DeviceClient, events: (keyof DeviceClientEvents)[]): string[] {
  const seen: string[] = [];
  for (const event of events) client.on(event, () => void seen.push(event));
  return seen;
}

/** The tv and the phone of account a1, both connected. */
async function connectedTvAndPhone(): Promise<{ tv: DeviceClient; phone: DeviceClient }> {
  const tv = t.client({ token: 'tv' });
  const phone = t.client({ token: 'phone' });
  await tv.connect();
  await phone.connect();
  return { tv, phone };
}

/** Closes the phone and expects the tv, subscribed, to hear device.offline for it. */
async function expectOfflineWhenClosed(tv: DeviceClient, phone: DeviceClient): Promise<void> {
  const offline = waitForEvent(tv, 'device.offline');
  await phone.close();
  expect(await offline).toEqual({ deviceId: 'phone1' });
}

describe('DeviceClient: device list', () => {
  it('lists the online devices of the account', async () => {
    const { phone } = await connectedTvAndPhone();
    expect(ids(await phone.listDevices())).toEqual(['phone1', 'tv1']);
    expect(t.edge.connections[1]!.frames).toEqual([{ type: 'devices.list', reqId: expect.any(String) }]);
  });

  it('subscribes: resolves with the list, emits it as devices, then device.online and device.offline', async () => {
    const tv = t.client({ token: 'tv' });
    await tv.connect();
    const listed = waitForEvent(tv, 'devices');
    expect(ids(await tv.subscribeDevices())).toEqual(['tv1']);
    expect(ids(await listed)).toEqual(['tv1']);

    const online = waitForEvent(tv, 'device.online');
    const phone = t.client({ token: 'phone' });
    await phone.connect();
    expect(await online).toEqual({ deviceId: 'phone1', deviceType: 'phone', connectedAt: expect.any(Number) });
    await expectOfflineWhenClosed(tv, phone);
  });

  it('emits devices before the device.online that the edge sent right after the list', async () => {
    const client = t.client();
    const conn = await scripted(client);
    const seen = recordEvents(client, ['devices', 'device.online']);
    const subscribing = client.subscribeDevices().then(() => void seen.push('resolved'));
    const { frame } = await nextFrame(t.edge, (f) => f.type === 'devices.subscribe');
    conn.send({ type: 'devices.subscribe.result', reqId: reqIdOf(frame), devices: [] });
    conn.send({ type: 'device.online', device: { deviceId: 'phone1', deviceType: 'phone', connectedAt: 1 } });
    await waitForEvent(client, 'device.online');
    await subscribing;
    expect(seen.slice(0, 2)).toEqual(['devices', 'device.online']);
  });

  it('holds device changes that come while the subscribe is pending and emits them after the list', async () => {
    const client = t.client();
    const conn = await scripted(client);
    const seen: unknown[] = [];
    client.on('devices', (d) => void seen.push(['devices', ids(d)]));
    client.on('device.online', (d) => void seen.push(['online', d.deviceId]));
    client.on('device.offline', (d) => void seen.push(['offline', d.deviceId]));
    const subscribing = client.subscribeDevices();
    const { frame } = await nextFrame(t.edge, (f) => f.type === 'devices.subscribe');
    // The edge subscribes the connection before it reads the list: changes can overtake the list.
    conn.send({ type: 'device.online', device: { deviceId: 'phone1', deviceType: 'phone', connectedAt: 1 } });
    conn.send({ type: 'device.offline', deviceId: 'phone1' });
    conn.send({
      type: 'devices.subscribe.result',
      reqId: reqIdOf(frame),
      devices: [{ deviceId: 'phone1', deviceType: 'phone', connectedAt: 1 }],
    });
    expect(ids(await subscribing)).toEqual(['phone1']);
    expect(seen).toEqual([
      ['devices', ['phone1']],
      ['online', 'phone1'],
      ['offline', 'phone1'],
    ]);

    // A subscribe that fails releases what it held too.
    const again = client.subscribeDevices();
    const next = await nextFrame(t.edge, (f) => f.type === 'devices.subscribe' && reqIdOf(f) !== reqIdOf(frame));
    conn.send({ type: 'device.online', device: { deviceId: 'tv2', deviceType: 'tv', connectedAt: 2 } });
    conn.send({ type: 'error', code: 'store_unavailable', message: 'device list down', reqId: reqIdOf(next.frame) });
    await expect(again).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(seen.slice(3)).toEqual([['online', 'tv2']]);
  });

  it('subscribes again after a reconnect and emits the fresh list as devices', async () => {
    // A reconnect delay of ~400 ms leaves the phone ample time to connect while the TV is away.
    const tv = t.client({ token: 'tv', reconnect: { baseDelayMs: 400, maxDelayMs: 400 }, random: () => 0.99 });
    await tv.connect();
    await tv.subscribeDevices();
    const first = t.edge.connections[0]!;
    const closed = waitForEvent(tv, 'close');
    const renewed = nextFrame(t.edge, (f, conn) => f.type === 'devices.subscribe' && conn !== first);
    const fresh = waitForEvent(tv, 'devices');
    first.close(1001, 'edge stopping');
    expect(await closed).toMatchObject({ willReconnect: true });
    // While the TV is away a phone connects: the renewed list has it, though no device.online reached the TV.
    const phone = t.client({ token: 'phone' });
    await phone.connect();
    const { conn, frame } = await renewed;
    expect(ids(await fresh)).toEqual(['phone1', 'tv1']);
    expect(reqIdOf(frame)).not.toBe(reqIdOf(first.frames.find((f) => f.type === 'devices.subscribe')!));
    expect(conn.subscribed).toBe(true);

    await expectOfflineWhenClosed(tv, phone);
  });

  it('reports a renewal refused by an error frame as an error and stays open', async () => {
    const client = t.client();
    await client.connect();
    await client.subscribeDevices();
    const again = nextConnection(t.edge).then((conn) => (conn.silence(), conn));
    t.edge.connections[0]!.close(1001, 'bye');
    const conn = await again;
    const { frame } = await nextFrame(t.edge, (f, c) => f.type === 'devices.subscribe' && c === conn);
    const error = waitForEvent(client, 'error');
    conn.send({ type: 'error', code: 'store_unavailable', message: 'device list down', reqId: reqIdOf(frame) });
    expect(await error).toMatchObject({
      code: 'store_unavailable',
      retriable: true,
      message: expect.stringMatching(/renewing the device subscription failed.*device list down/),
    });
    expect(client.state).toBe('open');
  });

  it('does not subscribe after a reconnect without subscribeDevices, nor after close()', async () => {
    const client = t.client();
    await client.connect();
    const again = waitForEvent(client, 'welcome');
    t.edge.connections[0]!.close(1001, 'bye');
    await again;
    await client.listDevices();
    expect(t.edge.connections[1]!.frames.map((f) => f.type)).toEqual(['devices.list']);

    await client.subscribeDevices();
    await client.close();
    await client.connect();
    await client.listDevices();
    expect(t.edge.connections[2]!.frames.map((f) => f.type)).toEqual(['devices.list']);
  });
});

describe('DeviceClient: device to device', () => {
  it('sends to another device of the account, which gets {id, from, payload}', async () => {
    const { tv, phone } = await connectedTvAndPhone();
    const message = waitForEvent(tv, 'd2d.message');
    expect(await phone.sendToDevice('tv1', { cmd: 'pause' })).toBe('delivered');
    expect(await message).toEqual({ type: 'd2d.message', id: expect.any(String), from: 'phone1', payload: { cmd: 'pause' } });
    expect(t.edge.connections[1]!.frames).toEqual([{ type: 'd2d.send', reqId: expect.any(String), to: 'tv1', payload: { cmd: 'pause' } }]);
  });

  it('resolves with statuses that are not delivered: not_connected, forbidden, rate_limited', async () => {
    t.edge.addToken('other', { deviceId: 'tv9', accountId: 'a2', deviceType: 'tv' });
    const phone = t.client({ token: 'phone' });
    await phone.connect();
    await t.client({ token: 'other' }).connect();
    expect(await phone.sendToDevice('fridge', {})).toBe('not_connected');
    // tv9 is a device of a2: from a1 the id names nobody.
    expect(await phone.sendToDevice('tv9', {})).toBe('not_connected');
    await t.client({ token: 'tv' }).connect();
    t.edge.opts.d2dStatus = 'forbidden';
    expect(await phone.sendToDevice('tv1', {})).toBe('forbidden');
    t.edge.opts.d2dStatus = 'rate_limited';
    expect(await phone.sendToDevice('tv1', {})).toBe('rate_limited');
  });

  it('matches concurrent requests to their replies by reqId, unique per client', async () => {
    const client = t.client();
    const conn = await scripted(client);
    const sends = ['a', 'b', 'c'].map((to) => client.sendToDevice(to, to));
    await nextFrame(t.edge, (f) => f.type === 'd2d.send' && f.to === 'c');
    const frames = conn.frames.filter((f): f is Extract<ClientFrame, { type: 'd2d.send' }> => f.type === 'd2d.send');
    expect(new Set(frames.map(reqIdOf)).size).toBe(3);
    const statuses = { a: 'delivered', b: 'not_connected', c: 'backpressure' } as const;
    for (const f of [...frames].reverse())
      conn.send({ type: 'd2d.result', reqId: f.reqId, status: statuses[f.to as keyof typeof statuses] });
    expect(await Promise.all(sends)).toEqual(['delivered', 'not_connected', 'backpressure']);
  });

  it('rejects with the code of the error frame that answers it', async () => {
    const client = t.client();
    const conn = await scripted(client);
    const errors = errorsOf(client);
    const sending = client.sendToDevice('tv2', 1);
    const { frame } = await nextFrame(t.edge, (f) => f.type === 'd2d.send');
    conn.send({ type: 'error', code: 'rate_limited', message: 'slow down', reqId: reqIdOf(frame) });
    await expect(sending).rejects.toMatchObject({ name: 'DeviceClientError', code: 'rate_limited', message: 'slow down', retriable: true });
    expect(errors).toEqual([]);
  });

  it('rejects with timeout after the per-call timeoutMs, and refuses a bad timeoutMs', async () => {
    const client = t.client({ requestTimeoutMs: 60_000 });
    const conn = await scripted(client);
    const started = Date.now();
    await expect(client.sendToDevice('tv2', 1, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'timeout', retriable: true });
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(client.sendToDevice('tv2', 1, { timeoutMs: 0 })).rejects.toMatchObject({ code: 'invalid_options' });
    // A reply after the timeout is dropped quietly.
    const errors = errorsOf(client);
    const late = waitForEvent(client, 'frame');
    conn.send({ type: 'd2d.result', reqId: reqIdOf(conn.frames[0]!), status: 'delivered' });
    expect(await late).toMatchObject({ type: 'd2d.result' });
    expect(errors).toEqual([]);
  });

  it('rejects requests with not_connected before connecting', async () => {
    const client = t.client();
    await expect(client.sendToDevice('tv2', 1)).rejects.toMatchObject({ code: 'not_connected' });
    await expect(client.subscribeDevices()).rejects.toMatchObject({ code: 'not_connected' });
  });

  it('rejects with connection_lost when the connection drops before the answer, and with closed on close()', async () => {
    const client = t.client();
    const conn = await scripted(client);
    const lost = client.sendToDevice('tv2', 1);
    await nextFrame(t.edge, (f) => f.type === 'd2d.send');
    conn.close(1001, 'bye');
    await expect(lost).rejects.toMatchObject({ code: 'connection_lost', retriable: true });

    await waitForEvent(client, 'welcome');
    const closing = expect(client.sendToDevice('tv2', 1)).rejects.toMatchObject({ code: 'closed' });
    await client.close();
    await closing;
  });

  it('refuses a frame the edge would refuse, without sending it', async () => {
    const client = t.client();
    await client.connect();
    await expect(client.sendToDevice('no spaces allowed', 1)).rejects.toMatchObject({ code: 'invalid_frame', retriable: false });
    await expect(client.sendToDevice('tv2', undefined)).rejects.toMatchObject({ code: 'invalid_frame' });
    await expect(client.sendToDevice('tv2', { n: 1n })).rejects.toMatchObject({ code: 'invalid_frame' });
    await client.listDevices();
    expect(t.edge.connections[0]!.frames.map((f) => f.type)).toEqual(['devices.list']);
  });

  it('emits a d2d.message once per id', async () => {
    const client = t.client();
    await client.connect();
    const seen: string[] = [];
    client.on('d2d.message', (m) => void seen.push(m.id));
    const conn = t.edge.connections[0]!;
    const message = (id: string): ServerFrame => ({ type: 'd2d.message', id, from: 'phone1', payload: id });
    conn.send(message('d-1'));
    conn.send(message('d-1'));
    conn.send(message('d-2'));
    await waitForEvent(client, 'd2d.message', 5000, (m) => m.id === 'd-2');
    expect(seen).toEqual(['d-1', 'd-2']);
  });

  it('validates replies: an invalid one is an error and settles nothing, one of the wrong type rejects', async () => {
    const client = t.client({ requestTimeoutMs: 300 });
    const conn = await scripted(client);
    const errors = errorsOf(client);
    const first = client.sendToDevice('tv2', 1);
    const { frame } = await nextFrame(t.edge, (f) => f.type === 'd2d.send');
    conn.send({ type: 'd2d.result', reqId: reqIdOf(frame), status: 'teleported' } as never);
    await expect(first).rejects.toMatchObject({ code: 'timeout' });
    expect(errors).toEqual([expect.objectContaining({ code: 'invalid_frame', message: expect.stringContaining('d2d.result') })]);

    const second = client.sendToDevice('tv2', 1);
    const next = await nextFrame(t.edge, (f) => f.type === 'd2d.send' && reqIdOf(f) !== reqIdOf(frame));
    conn.send({ type: 'devices.list.result', reqId: reqIdOf(next.frame), devices: [] });
    await expect(second).rejects.toMatchObject({ code: 'invalid_frame', message: expect.stringMatching(/expected d2d.result/) });
  });
});
