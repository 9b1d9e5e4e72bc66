import { DeviceClient } from '@pushwire/device-client';
import { waitForEvent } from '@pushwire/device-client/testing';
import { MemoryRegistryStore } from '@pushwire/registry';
import { waitFor } from '@pushwire/test-kit';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';
import { deliver } from './raw-device';

/** The device SDK against a real edge: what a device team gets. */
describe('device SDK ↔ edge', () => {
  const clients: DeviceClient[] = [];
  const client = (t: TestEdge, deviceId: string, opts: Partial<ConstructorParameters<typeof DeviceClient>[0]> = {}) => {
    const c = new DeviceClient({
      url: t.deviceUrl,
      token: () => t.token('sdk', deviceId),
      reconnect: { baseDelayMs: 50, maxDelayMs: 200 },
      ...opts,
    });
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  it('connects, receives pushes and acks them (WebSocket)', async () => {
    const t = await startTestEdge();
    const c = client(t, 'sdk-tv');
    const welcome = await c.connect();
    expect(welcome.deviceId).toBe('sdk-tv');
    const pushed = waitForEvent(c, 'push', 3000);
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'sdk',
      deviceId: 'sdk-tv',
      message: { id: 'ack-me', payload: { x: 1 }, ackRequired: true },
    });
    expect(r.body.status).toBe('acknowledged');
    expect((await pushed).payload).toEqual({ x: 1 });
    await c.close();
    await t.stop();
  });

  it('connects, receives pushes and acks them over SSE', async () => {
    const t = await startTestEdge();
    const c = client(t, 'sdk-sse', { transport: 'sse' });
    await c.connect();
    const pushed = waitForEvent(c, 'push', 3000);
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'sdk',
      deviceId: 'sdk-sse',
      message: { id: 'sse-ack', payload: 'hi', ackRequired: true },
    });
    expect(r.body.status).toBe('acknowledged');
    expect((await pushed).payload).toBe('hi');
    await c.close();
    await t.stop();
  });

  it('first-frame auth through the SDK', async () => {
    const t = await startTestEdge();
    const c = client(t, 'sdk-ff', { auth: 'first-frame' });
    expect((await c.connect()).deviceId).toBe('sdk-ff');
    await c.close();
    await t.stop();
  });

  it('reconnects by itself after the edge restarts, and is registered and deliverable again', async () => {
    const store = new MemoryRegistryStore();
    const first = await startTestEdge({}, { store });
    const port = first.edge.devicePort;
    const c = client(first, 'sdk-restart');
    const firstWelcome = await c.connect();
    const closed = waitForEvent(c, 'close', 3000);
    await first.stop();
    expect((await closed).willReconnect).toBe(true);
    const welcomeAgain = waitForEvent(c, 'welcome', 10000);
    const second = await startTestEdge({ devicePort: port }, { store });
    const again = await welcomeAgain;
    expect(again.connectionId).not.toBe(firstWelcome.connectionId);
    await waitFor(
      async () => (await store.lookup([{ accountId: 'sdk', deviceId: 'sdk-restart' }]))[0]?.connectionId === again.connectionId,
      { timeoutMs: 3000, what: 're-registered' },
    );
    const r = await deliver(second.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'sdk',
      deviceId: 'sdk-restart',
      connectionId: again.connectionId,
      message: { id: 'after-restart', payload: 1 },
    });
    expect(r.body.status).toBe('delivered');
    await c.close();
    await second.stop();
    await store.close();
  }, 20000);

  it('follows the end of its lifetime: reconnect frame, close 4000, new connection', async () => {
    const t = await startTestEdge({ registryTtlSeconds: 3, reconnectDitherSeconds: 0, closeGraceSeconds: 1, sweepIntervalMs: 50 });
    const c = client(t, 'sdk-life');
    const first = await c.connect();
    expect((await waitForEvent(c, 'reconnect', 5000)).reason).toBe('lifetime');
    const close = await waitForEvent(c, 'close', 3000);
    expect(close.code).toBe(4000);
    expect(close.willReconnect).toBe(true);
    const next = await waitForEvent(c, 'welcome', 5000);
    expect(next.connectionId).not.toBe(first.connectionId);
    await c.close();
    await t.stop();
  }, 15000);

  it('a replaced client stays closed and says so; the newer one keeps working', async () => {
    const t = await startTestEdge();
    const older = client(t, 'sdk-dup');
    await older.connect();
    const replaced = waitForEvent(older, 'replaced', 3000);
    const newer = client(t, 'sdk-dup');
    await newer.connect();
    await replaced;
    expect(older.state).toBe('closed');
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'sdk',
      deviceId: 'sdk-dup',
      message: { id: 'to-newer', payload: 1 },
    });
    expect(r.body.status).toBe('delivered');
    await t.stop();
  });

  it('rejects connect() with unauthorized for an expired token', async () => {
    const t = await startTestEdge();
    const c = new DeviceClient({
      url: t.deviceUrl,
      token: await t.token('sdk', 'sdk-expired', { ttlSeconds: -10 }),
      reconnect: { enabled: false },
    });
    clients.push(c);
    await expect(c.connect()).rejects.toMatchObject({ code: 'unauthorized' });
    await t.stop();
  });
});
