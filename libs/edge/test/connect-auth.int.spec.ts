import { CloseCode } from '@pushwire/protocol';
import { waitFor } from '@pushwire/test-kit';
import { startTestEdge, type TestEdge } from '../src/testing';
import { RawDevice } from './raw-device';

describe('edge: connecting and authenticating', () => {
  let t: TestEdge;
  beforeAll(async () => {
    t = await startTestEdge({ noauthTtlSeconds: 1, sweepIntervalMs: 50 });
  });
  afterAll(() => t.stop());

  it('accepts a Bearer token, sends welcome and registers the device', async () => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect`, {
      authorization: `Bearer ${await t.token('a1', 'tv-header', { deviceType: 'tv' })}`,
    });
    const welcome = await d.next('welcome');
    expect(welcome).toMatchObject({ protocol: 1, deviceId: 'tv-header', accountId: 'a1', heartbeatSeconds: 30 });
    await waitFor(async () => (await t.registry.lookup([{ accountId: 'a1', deviceId: 'tv-header' }])).registrations.length === 1, {
      timeoutMs: 3000,
      what: 'registration',
    });
    const [reg] = (await t.registry.lookup([{ accountId: 'a1', deviceId: 'tv-header' }])).registrations;
    expect(reg).toMatchObject({
      deviceId: 'tv-header',
      accountId: 'a1',
      deviceType: 'tv',
      edgeId: t.edge.edgeId,
      edgeUrl: t.internalUrl,
      connectionId: welcome.connectionId,
    });
    d.close();
    await d.closed;
    await waitFor(async () => (await t.registry.lookup([{ accountId: 'a1', deviceId: 'tv-header' }])).missing.length === 1, {
      timeoutMs: 3000,
      what: 'deregistration',
    });
  });

  it('accepts ?token= for browsers', async () => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('a1', 'browser-q')}`);
    expect((await d.next('welcome')).deviceId).toBe('browser-q');
    d.close();
  });

  it('answers 401 with a JSON body and no socket without a token', async () => {
    const r = await RawDevice.refusal(`${t.wsUrl}/v1/connect`);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('unauthorized');
    expect(r.body.error.message).toMatch(/token is required/);
  });

  it('answers 401 for an expired token and for a token signed with another secret', async () => {
    const expired = await t.token('a1', 'tv-x', { ttlSeconds: -30 });
    const r1 = await RawDevice.refusal(`${t.wsUrl}/v1/connect`, { authorization: `Bearer ${expired}` });
    expect(r1.status).toBe(401);
    expect(r1.body.error.message).toMatch(/expired/);
    const r2 = await RawDevice.refusal(`${t.wsUrl}/v1/connect?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.bad`);
    expect(r2.status).toBe(401);
    expect(t.edge.connections).toBe(0);
  });

  it('first-frame auth: accepts an auth frame, then works like any connection', async () => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?auth=frame`);
    d.send({ type: 'auth', token: await t.token('a2', 'tv-ff') });
    expect((await d.next('welcome')).deviceId).toBe('tv-ff');
    d.send({ type: 'ping', t: 7 });
    expect(await d.next('pong')).toMatchObject({ t: 7 });
    d.close();
  });

  it('first-frame auth: closes 4003 when the first frame is not auth, processing nothing', async () => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?auth=frame`);
    d.send({ type: 'ping' });
    expect((await d.next('error')).code).toBe('not_authenticated');
    expect((await d.closed).code).toBe(CloseCode.AUTH_FAILED);
    expect(d.frames.find((f) => f.type === 'pong')).toBeUndefined();
  });

  it('first-frame auth: closes 4003 on a bad token', async () => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?auth=frame`);
    d.send({ type: 'auth', token: await t.token('a2', 'tv-ff2', { ttlSeconds: -5 }) });
    expect((await d.next('error')).code).toBe('unauthorized');
    expect((await d.closed).code).toBe(CloseCode.AUTH_FAILED);
  });

  it('first-frame auth: closes 4003 when no auth frame arrives within the no-auth TTL', async () => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?auth=frame`);
    const started = Date.now();
    const closed = await d.closed;
    expect(closed.code).toBe(CloseCode.AUTH_FAILED);
    expect(closed.reason).toMatch(/timeout/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('a second connection of a device replaces the first (4001) and takes over its registration', async () => {
    const token = await t.token('a3', 'tv-dup');
    const first = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${token}`);
    await first.next('welcome');
    const second = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${token}`);
    const welcome = await second.next('welcome');
    expect(await first.closed).toEqual({ code: CloseCode.REPLACED, reason: 'replaced by a newer connection' });
    await waitFor(
      async () =>
        (await t.registry.lookup([{ accountId: 'a3', deviceId: 'tv-dup' }])).registrations[0]?.connectionId === welcome.connectionId,
      { timeoutMs: 3000, what: 'newer registration' },
    );
    expect(t.edge.connections).toBe(1);
    second.close();
    await second.closed;
  });

  it('answers 404 with a JSON body on unknown device-port paths', async () => {
    const res = await fetch(`${t.deviceUrl}/nope`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });
});
