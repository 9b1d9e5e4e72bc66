import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';
import { RawDevice, deliver } from './raw-device';

/** GET /v1/messages/:messageId/events on the internal port: what pushctl trace reads of an edge. */
describe('edge: the message journal', () => {
  let t: TestEdge;
  beforeAll(async () => {
    t = await startTestEdge({ ackTimeoutMs: 2000 });
  });
  afterAll(() => t.stop());

  const events = (messageId: string, token: string | null = TEST_SERVICE_TOKEN) =>
    fetch(`${t.internalUrl}/v1/messages/${messageId}/events`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('answers what the edge did with a message: written then acknowledged, or not_written with the status', async () => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('acc', 'tv-j1')}`);
    await d.next('welcome');
    const pending = deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'acc',
      deviceId: 'tv-j1',
      message: { id: 'j-1', payload: 1, ackRequired: true },
    });
    await d.next('push');
    d.send({ type: 'ack', id: 'j-1' });
    expect((await pending).body.status).toBe('acknowledged');
    await deliver(t.internalUrl, TEST_SERVICE_TOKEN, { accountId: 'acc', deviceId: 'nobody', message: { id: 'j-2', payload: 1 } });

    const res = await events('j-1');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      service: 'push-edge',
      events: [
        expect.objectContaining({ messageId: 'j-1', stage: 'written', service: 'push-edge', accountId: 'acc', deviceId: 'tv-j1' }),
        expect.objectContaining({
          messageId: 'j-1',
          stage: 'acknowledged',
          service: 'push-edge',
          detail: { status: 'acknowledged', edgeId: t.edge.edgeId },
        }),
      ],
    });
    expect(body.events[0].at).toBeLessThanOrEqual(body.events[1].at);
    expect((await (await events('j-2')).json()).events).toEqual([
      expect.objectContaining({ stage: 'not_written', detail: { status: 'not_connected', edgeId: t.edge.edgeId } }),
    ]);
    expect(await (await events('never-seen')).json()).toEqual({ service: 'push-edge', events: [] });
    d.close();
  });

  it('refuses a missing or unknown service token (401) and a malformed message id (400), as JSON', async () => {
    for (const token of [null, 'not-a-token-of-ours-at-all']) {
      const res = await events('j-1', token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    for (const id of ['bad%20id', 'x'.repeat(129), '%E0%A4%A']) {
      const res = await events(id);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_request' } });
    }
  });
});
