import { DeviceClient } from '@pushwire/device-client';
import { waitForEvent } from '@pushwire/device-client/testing';
import { CloseCode } from '@pushwire/protocol';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';
import { waitFor } from '@pushwire/test-kit';
import { RawDevice, deliver } from './raw-device';

/** Epoch ms of a JWT's `exp` (read without verifying: the test minted it). */
const expOf = (token: string): number =>
  (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;

describe('edge: a connection lives no longer than its token', () => {
  let t: TestEdge;
  beforeAll(async () => {
    t = await startTestEdge({ closeGraceSeconds: 1, sweepIntervalMs: 50 });
  });
  afterAll(() => t.stop());

  it('a 2 s token: welcome tells its expiry, reconnect token_expired when it passes, close 4004 after the grace, no more pushes', async () => {
    const token = await t.token('a1', 'tv-short', { ttlSeconds: 2 });
    const expiresAt = expOf(token);
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${token}`);
    expect((await d.next('welcome')).tokenExpiresAt).toBe(expiresAt);
    expect(
      (await deliver(t.internalUrl, TEST_SERVICE_TOKEN, { accountId: 'a1', deviceId: 'tv-short', message: { id: 'before', payload: 1 } }))
        .body.status,
    ).toBe('delivered');

    const reconnect = await d.next('reconnect', 5000);
    const askedAt = Date.now();
    expect(reconnect).toMatchObject({ reason: 'token_expired' });
    expect(askedAt).toBeGreaterThanOrEqual(expiresAt);
    expect(askedAt).toBeLessThanOrEqual(expiresAt + 500); // the sweep interval, and a loaded machine
    const closed = await d.closed;
    const closedAt = Date.now();
    expect(closed).toEqual({ code: CloseCode.TOKEN_EXPIRED, reason: 'token expired' });
    expect(closedAt).toBeLessThanOrEqual(expiresAt + 1000 + 500); // + the 1 s grace

    const after = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'a1',
      deviceId: 'tv-short',
      message: { id: 'after', payload: 1 },
    });
    expect(after.body.status).toBe('not_connected');
    const asked = await t.edge.metricsRegistry.getSingleMetric('pushwire_edge_reconnects_asked_total')!.get();
    expect(asked.values.find((v) => v.labels.reason === 'token_expired')?.value).toBeGreaterThanOrEqual(1);
  });

  it('an auth frame with a fresh token of the same device keeps the connection past the old expiry', async () => {
    const old = await t.token('a1', 'tv-renew', { ttlSeconds: 2 });
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${old}`);
    const welcome = await d.next('welcome');
    const fresh = await t.token('a1', 'tv-renew', { ttlSeconds: 600 });
    d.send({ type: 'auth', token: fresh });
    expect(await d.next('auth.result')).toEqual({ type: 'auth.result', tokenExpiresAt: expOf(fresh), serverTime: expect.any(Number) });

    await waitFor(() => Date.now() > expOf(old) + 300, { timeoutMs: 5000, what: 'the old token to expire' });
    d.send({ type: 'ping', t: 1 });
    expect(await d.next('pong')).toMatchObject({ t: 1 });
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'a1',
      deviceId: 'tv-renew',
      connectionId: welcome.connectionId,
      message: { id: 'renewed', payload: 1 },
    });
    expect(r.body.status).toBe('delivered');
    expect(d.frames.find((f) => f.type === 'reconnect')).toBeUndefined();
    d.close();
  });

  it.each([
    ['another device of the account', 'a1', 'tv-other', 'forbidden'],
    ['the same device id in another account', 'evil', 'tv-victim', 'forbidden'],
  ])('refuses a refresh with a token of %s: error frame, close 4003', async (_name, accountId, deviceId, code) => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('a1', 'tv-victim')}`);
    await d.next('welcome');
    d.send({ type: 'auth', token: await t.token(accountId, deviceId) });
    expect((await d.next('error')).code).toBe(code);
    expect((await d.closed).code).toBe(CloseCode.AUTH_FAILED);
    expect(t.edge.connectionOf('a1', 'tv-victim')).toBeUndefined();
  });

  it('refuses a refresh with an expired token: unauthorized, close 4003', async () => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('a1', 'tv-stale')}`);
    await d.next('welcome');
    d.send({ type: 'auth', token: await t.token('a1', 'tv-stale', { ttlSeconds: -120 }) });
    expect(await d.next('error')).toMatchObject({ code: 'unauthorized', message: 'the device token is invalid or expired' });
    expect((await d.closed).code).toBe(CloseCode.AUTH_FAILED);
  });
});

describe('device SDK ↔ edge: token renewal', () => {
  let t: TestEdge;
  const clients: DeviceClient[] = [];
  beforeAll(async () => {
    t = await startTestEdge({ closeGraceSeconds: 1, sweepIntervalMs: 50 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(() => t.stop());

  it.each(['websocket', 'sse'] as const)(
    '%s: renews 3 s tokens in band from its token function; the connection outlives several of them and acks still pass',
    async (transport) => {
      const deviceId = `sdk-renew-${transport}`;
      const issued: string[] = [];
      const c = new DeviceClient({
        url: t.deviceUrl,
        transport,
        token: async () => {
          issued.push(await t.token('a1', deviceId, { ttlSeconds: 3 }));
          return issued[issued.length - 1]!;
        },
        reconnect: { enabled: false },
      });
      clients.push(c);
      const welcome = await c.connect();
      // Wait for two renewals, then past the expiry of the first two tokens.
      await waitFor(() => issued.length >= 3, { timeoutMs: 10_000, what: 'two renewals' });
      await waitFor(() => Date.now() > expOf(issued[1]!) + 300, { timeoutMs: 5000, what: 'the second token to expire' });
      expect(c.state).toBe('open');
      expect(c.connectionId).toBe(welcome.connectionId);
      // Over SSE the ack travels by POST /v1/frames: with the newest token, not the expired first one.
      const pushed = waitForEvent(c, 'push', 3000);
      const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
        accountId: 'a1',
        deviceId,
        message: { id: `ack-${transport}`, payload: 1, ackRequired: true },
      });
      expect(r.body.status).toBe('acknowledged');
      await pushed;
    },
    20_000,
  );

  it('with a fixed token string: follows reconnect token_expired, and stops at close 4004 instead of retrying a dead token', async () => {
    const c = new DeviceClient({
      url: t.deviceUrl,
      token: await t.token('a1', 'sdk-fixed', { ttlSeconds: 2 }),
      reconnect: { baseDelayMs: 50 },
    });
    clients.push(c);
    await c.connect();
    expect((await waitForEvent(c, 'reconnect', 5000)).reason).toBe('token_expired');
    const error = waitForEvent(c, 'error', 5000);
    const close = await waitForEvent(c, 'close', 5000);
    expect(close).toMatchObject({ code: CloseCode.TOKEN_EXPIRED, willReconnect: false });
    expect(await error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/4004/) });
    expect(c.state).toBe('closed');
  });
});
