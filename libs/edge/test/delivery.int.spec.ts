import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';
import { RawDevice, deliver } from './raw-device';

describe('edge: POST /v1/deliver', () => {
  let t: TestEdge;
  beforeAll(async () => {
    t = await startTestEdge({ ackTimeoutMs: 300, maxMessageBytes: 4096 });
  });
  afterAll(() => t.stop());

  async function device(deviceId: string, accountId = 'acc') {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token(accountId, deviceId)}`);
    const welcome = await d.next('welcome');
    return { d, connectionId: welcome.connectionId };
  }

  it('delivers a push and answers 200 delivered', async () => {
    const { d } = await device('tv-d1');
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'acc',
      deviceId: 'tv-d1',
      message: { id: 'm1', payload: { hello: 'world' }, priority: 'high', ttlSeconds: 60, createdAt: Date.now() },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ accountId: 'acc', deviceId: 'tv-d1', messageId: 'm1', status: 'delivered', edgeId: t.edge.edgeId });
    expect(await d.next('push')).toMatchObject({ id: 'm1', payload: { hello: 'world' }, priority: 'high', ttlSeconds: 60 });
    d.close();
  });

  it('waits for the ack when asked and answers acknowledged', async () => {
    const { d } = await device('tv-ack');
    const pending = deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'acc',
      deviceId: 'tv-ack',
      message: { id: 'm-ack', payload: 1, ackRequired: true },
    });
    const push = await d.next('push');
    expect(push.ackRequired).toBe(true);
    d.send({ type: 'ack', id: 'm-ack' });
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('acknowledged');
    d.close();
  });

  it('answers ack_timeout (202) when the device does not ack in time', async () => {
    const { d } = await device('tv-noack');
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'acc',
      deviceId: 'tv-noack',
      message: { id: 'm-na', payload: 1, ackRequired: true },
    });
    expect(r.status).toBe(202);
    expect(r.body.status).toBe('ack_timeout');
    await d.next('push');
    d.close();
  });

  it('answers not_connected (404) for an unknown device and gone (410) for a stale connection id', async () => {
    const { d, connectionId } = await device('tv-fence');
    const unknown = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'acc',
      deviceId: 'nobody',
      message: { id: 'm2', payload: 1 },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.status).toBe('not_connected');
    const stale = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'acc',
      deviceId: 'tv-fence',
      connectionId: 'older-connection',
      message: { id: 'm3', payload: 1 },
    });
    expect(stale.status).toBe(410);
    expect(stale.body.status).toBe('gone');
    const current = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'acc',
      deviceId: 'tv-fence',
      connectionId,
      message: { id: 'm4', payload: 1 },
    });
    expect(current.body.status).toBe('delivered');
    expect((await d.next('push')).id).toBe('m4');
    expect(d.frames.filter((f) => f.type === 'push')).toHaveLength(0);
    d.close();
    await d.closed;
    const afterClose = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'acc',
      deviceId: 'tv-fence',
      connectionId,
      message: { id: 'm5', payload: 1 },
    });
    expect(afterClose.body.status).toBe('gone');
  });

  it('answers expired (422) for a message whose TTL passed, without writing it', async () => {
    const { d } = await device('tv-exp');
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'acc',
      deviceId: 'tv-exp',
      message: { id: 'old', payload: 1, ttlSeconds: 5, createdAt: Date.now() - 6000 },
    });
    expect(r.status).toBe(422);
    expect(r.body.status).toBe('expired');
    d.send({ type: 'ping' });
    await d.next('pong');
    expect(d.frames.some((f) => f.type === 'push')).toBe(false);
    d.close();
  });

  it('answers rejected (400) for a payload larger than the device frame limit', async () => {
    const { d } = await device('tv-big');
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'acc',
      deviceId: 'tv-big',
      message: { id: 'big', payload: 'x'.repeat(5000) },
    });
    expect(r.status).toBe(400);
    expect(r.body.status).toBe('rejected');
    d.close();
  });

  it('delivers a batch in one request and answers each in order', async () => {
    const a = await device('tv-b1');
    const b = await device('tv-b2');
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      deliveries: [
        { accountId: 'acc', deviceId: 'tv-b1', message: { id: 'b1', payload: 'one' } },
        { accountId: 'acc', deviceId: 'nobody', message: { id: 'b2', payload: 'two' } },
        { accountId: 'acc', deviceId: 'tv-b2', message: { id: 'b3', payload: 'three', ackRequired: true } },
      ],
    });
    // The batch waited for tv-b2's ack (none came) while tv-b1's push went out at once.
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(['delivered', 'not_connected', 'ack_timeout']);
    expect((await a.d.next('push')).payload).toBe('one');
    expect((await b.d.next('push')).payload).toBe('three');
    a.d.close();
    b.d.close();
  });

  it('requires the service token (401) and validates the body (400 naming the field)', async () => {
    const noToken = await fetch(`${t.internalUrl}/v1/deliver`, { method: 'POST', body: '{}' });
    expect(noToken.status).toBe(401);
    expect((await noToken.json()).error.code).toBe('unauthorized');
    const wrong = await deliver(t.internalUrl, 'not-the-token', { accountId: 'acc', deviceId: 'x', message: { id: 'm', payload: 1 } });
    expect(wrong.status).toBe(401);
    const invalid = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'acc',
      deviceId: 'tv 1',
      message: { id: 'm', payload: 1 },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('invalid_request');
    expect(JSON.stringify(invalid.body.error)).toMatch(/deviceId/);
    // A delivery must name the device's account: a device id alone is refused, never routed.
    const noAccount = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, { deviceId: 'tv1', message: { id: 'm', payload: 1 } });
    expect([noAccount.status, noAccount.body.error.code]).toEqual([400, 'invalid_request']);
    expect(JSON.stringify(noAccount.body.error)).toMatch(/accountId/);
    const notJson = await fetch(`${t.internalUrl}/v1/deliver`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}` },
      body: '{oops',
    });
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.message).toMatch(/not valid JSON/);
  });

  it('refuses a batch with one bad delivery as a whole (400 invalid_request naming it) before delivering any of it', async () => {
    const { d } = await device('tv-whole');
    const refused = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      deliveries: [
        { accountId: 'acc', deviceId: 'tv-whole', message: { id: 'not-sent', payload: 1 } },
        { accountId: 'acc', deviceId: 'tv whole', message: { id: 'bad', payload: 2 } },
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(JSON.stringify(refused.body.error)).toMatch(/deliveries\/1\/deviceId/);
    // The valid delivery of the refused batch never went out: the next push the device sees is a later one.
    const later = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      deliveries: [{ accountId: 'acc', deviceId: 'tv-whole', message: { id: 'later', payload: 3 } }],
    });
    expect(later.body.results.map((r: { status: string }) => r.status)).toEqual(['delivered']);
    expect((await d.next('push')).id).toBe('later');
    d.close();
  });

  it('serves /healthz, /readyz and /metrics with delivery counters', async () => {
    expect((await fetch(`${t.internalUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.internalUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${t.internalUrl}/metrics`)).text();
    expect(metrics).toMatch(/pushwire_edge_deliveries_total\{status="delivered"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/pushwire_edge_connections\{transport="websocket"/);
  });
});
