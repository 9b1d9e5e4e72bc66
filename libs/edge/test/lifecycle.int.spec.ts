import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { CloseCode } from '@pushwire/protocol';
import { waitFor } from '@pushwire/test-kit';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';
import { RawDevice, deliver } from './raw-device';

/** Device `deviceId` of account `a`. */
const a = (deviceId: string) => ({ accountId: 'a', deviceId });

describe('edge: connection lifetime', () => {
  let t: TestEdge;
  beforeAll(async () => {
    // Lifetime = TTL − random(0, dither) − grace = 4 − [0,1) − 1 → between 2 and 3 s.
    t = await startTestEdge({ registryTtlSeconds: 4, reconnectDitherSeconds: 1, closeGraceSeconds: 1, sweepIntervalMs: 50 });
  });
  afterAll(() => t.stop());

  it('sends reconnect at the end of the dithered lifetime, closes 4000 after the grace, before the record expires', async () => {
    const started = Date.now();
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('a', 'tv-life')}`);
    const welcome = await d.next('welcome');
    expect(welcome.maxLifetimeSeconds).toBeGreaterThanOrEqual(2);
    expect(welcome.maxLifetimeSeconds).toBeLessThanOrEqual(3);
    const reconnect = await d.next('reconnect', 5000);
    const reconnectAt = Date.now() - started;
    expect(reconnect.reason).toBe('lifetime');
    expect(reconnectAt).toBeGreaterThanOrEqual(1900);
    expect(reconnectAt).toBeLessThanOrEqual(3000 + 250);
    const closed = await d.closed;
    const closedAt = Date.now() - started;
    expect(closed.code).toBe(CloseCode.RECONNECT);
    expect(closedAt - reconnectAt).toBeGreaterThanOrEqual(900);
    // Closes at TTL − random dither: never after its 4 s registration (plus the sweep and loop granularity).
    expect(closedAt).toBeLessThanOrEqual(4000 + 250);
  });

  it('spreads lifetimes: 20 devices connected together do not all get reconnect at once', async () => {
    const delays = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('a', `tv-spread-${i}`)}`);
        await d.next('welcome');
        const connectedAt = Date.now();
        await d.next('reconnect', 5000);
        return Date.now() - connectedAt;
      }),
    );
    const spread = Math.max(...delays) - Math.min(...delays);
    expect(spread).toBeGreaterThan(300); // dither 1 s: uniformly spread, not a herd
  });
});

describe('edge: slow consumers and backpressure', () => {
  let t: TestEdge;
  beforeAll(async () => {
    t = await startTestEdge({
      sendBufferBytes: 64 * 1024,
      maxSendBufferBytes: 256 * 1024,
      slowConsumerSeconds: 1,
      sweepIntervalMs: 50,
      maxMessageBytes: 65536,
    });
  });
  afterAll(() => t.stop());

  /** A device that upgrades and then never reads, so the edge's send buffer fills. */
  async function stalledDevice(deviceId: string): Promise<{ socket: net.Socket }> {
    const token = await t.token('slow', deviceId);
    const socket = net.connect(t.edge.devicePort, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(
      `GET /v1/connect?token=${token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await new Promise<void>((r) => socket.once('data', () => r()));
    socket.pause();
    socket.on('error', () => undefined);
    return { socket };
  }

  it('answers backpressure (429 + Retry-After) once the buffer is full, then closes the device (4002) while others are unaffected', async () => {
    const healthy = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('fine', 'healthy')}`);
    await healthy.next('welcome');
    const slow = await stalledDevice('stalled');
    await waitFor(() => t.edge.connections === 2, { timeoutMs: 2000, what: 'both connected' });
    const payload = 'y'.repeat(60_000);
    let status = 'delivered';
    let sent = 0;
    let last: Awaited<ReturnType<typeof deliver>> | undefined;
    while (status === 'delivered' && sent < 2000) {
      last = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
        accountId: 'slow',
        deviceId: 'stalled',
        message: { id: `m${sent++}`, payload },
      });
      status = last.body.status;
    }
    expect(status).toBe('backpressure');
    expect(last!.status).toBe(429);
    expect(last!.headers.get('retry-after')).toBe('1');
    const ok = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'fine',
      deviceId: 'healthy',
      message: { id: 'h1', payload: 'fine' },
    });
    expect(ok.body.status).toBe('delivered');
    // Closed as too slow after slowConsumerSeconds (the stalled socket reads nothing, so the edge tells).
    await waitFor(() => t.edge.connections === 1, { timeoutMs: 4000, what: 'slow device removed' });
    slow.socket.destroy();
    const metrics = await (await fetch(`${t.internalUrl}/metrics`)).text();
    expect(metrics).toMatch(/pushwire_edge_closes_total\{code="4002"/);
    expect((await healthy.next('push')).id).toBe('h1');
    healthy.close();
  });
});

describe('edge: registry outages and shutdown', () => {
  it('keeps serving while the registry is down and re-registers every device when it is back', async () => {
    const t = await startTestEdge({ leaseTtlSeconds: 2 });
    const { store } = t;
    const failing = { down: false };
    // Wrap the store's methods so the registry can be "down" for a while.
    for (const m of ['register', 'deregister', 'lookup', 'renewLease'] as const) {
      const original = (store[m] as (...a: unknown[]) => Promise<unknown>).bind(store);
      (store as unknown as Record<string, unknown>)[m] = (...args: unknown[]) =>
        failing.down ? Promise.reject(new Error('store down')) : original(...args);
    }
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('a', 'tv-outage')}`);
    await d.next('welcome');
    await waitFor(async () => (await store.lookup([a('tv-outage')])).length === 1, { timeoutMs: 3000, what: 'registered' });
    failing.down = true;
    const lateToken = await t.token('a', 'tv-during-outage');
    const late = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${lateToken}`);
    await late.next('welcome');
    // Still deliverable directly while the registry is down.
    expect(
      (await deliver(t.internalUrl, TEST_SERVICE_TOKEN, { accountId: 'a', deviceId: 'tv-during-outage', message: { id: 'x', payload: 1 } }))
        .body.status,
    ).toBe('delivered');
    // Until the edge's lease (2 s, no renewals get through) has lapsed in the store: readLeases is not
    // one of the failing methods, and it leaves out lapsed leases.
    await waitFor(async () => (await store.readLeases([t.edge.edgeId])).length === 0, { timeoutMs: 5000, what: 'the lease to lapse' });
    failing.down = false;
    await waitFor(async () => (await store.lookup([a('tv-outage'), a('tv-during-outage')])).length === 2, {
      timeoutMs: 8000,
      what: 'both registered after the outage',
    });
    d.close();
    late.close();
    await t.stop();
  }, 20000);

  it('stop() closes devices 1001, deregisters them and releases the lease', async () => {
    const t = await startTestEdge();
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('a', 'tv-stop')}`);
    await d.next('welcome');
    await waitFor(async () => (await t.registry.lookup([a('tv-stop')])).registrations.length === 1, {
      timeoutMs: 3000,
      what: 'registered',
    });
    const registry = t.registry;
    await t.edge.stop();
    expect((await d.closed).code).toBe(CloseCode.GOING_AWAY);
    expect((await registry.lookup([a('tv-stop')])).missing).toEqual([a('tv-stop')]);
    await registry.close();
  });
});
