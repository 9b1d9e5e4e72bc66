import { CloseCode, MAX_PAYLOAD_DEPTH, MAX_MESSAGE_TTL_SECONDS } from '@pushwire/protocol';
import { createLogger } from '@pushwire/service-kit';
import { RawHttpConnection } from '@pushwire/service-http/testing';
import WebSocket from 'ws';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';
import { waitFor } from '@pushwire/test-kit';
import { deliver, RawDevice } from './raw-device';

// Hostile input against a real edge over real sockets (issue 12: items 2, 8, 12, 14, 15). After
// every test a bystander of another account still gets its pushes: nothing took the edge down.

/** `n` arrays inside each other: `[[[…]]]`. */
const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('edge: limits on hostile input', () => {
  let t: TestEdge;
  let bystander: RawDevice;
  /** The edge's clock runs this far ahead of the wall clock: a test moves it to refill token buckets. */
  let clockOffsetMs = 0;
  const logLines: { level: number; msg: string; err?: { stack?: string } }[] = [];

  beforeAll(async () => {
    const logger = createLogger('edge', 'info', { write: (line: string) => logLines.push(JSON.parse(line)) });
    t = await startTestEdge({ maxBadFrames: 3, deviceFramesPerSecond: 5 }, { logger, now: () => Date.now() + clockOffsetMs });
    bystander = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('other', 'bystander')}`);
    await bystander.next('welcome');
  });
  afterEach(async () => {
    const id = `alive-${Math.random().toString(36).slice(2)}`;
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, { accountId: 'other', deviceId: 'bystander', message: { id, payload: 1 } });
    expect(r.body.status).toBe('delivered');
    expect((await bystander.next('push')).id).toBe(id);
  });
  afterAll(async () => {
    bystander.close();
    await t.stop();
  });

  const connect = async (accountId: string, deviceId: string) => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token(accountId, deviceId)}`);
    await d.next('welcome');
    return d;
  };
  const postDeliver = async (body: string) => {
    const res = await fetch(`${t.internalUrl}/v1/deliver`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}`, 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, body: (await res.json()) as { error: { code: string; message: string; retriable: boolean } } };
  };

  describe('nesting depth (item 2)', () => {
    it('answers a 20 KB deliver body nested 10,000 deep 400 JSON, and delivers to a connected device afterwards', async () => {
      const d = await connect('a1', 'deep-target');
      const body = `{"accountId":"a1","deviceId":"deep-target","message":{"id":"deep","payload":${nested(10_000)}}}`;
      expect(body.length).toBeGreaterThan(20_000);
      const answer = await postDeliver(body);
      expect(answer.status).toBe(400);
      // The deliver body is checked in one pass (deliver-body.ts): the payload, the only free-form
      // value, is held to MAX_PAYLOAD_DEPTH by the delivery check itself, which names it.
      expect(answer.body.error).toEqual({
        code: 'invalid_request',
        message: `invalid delivery: /message/payload nests arrays and objects deeper than ${MAX_PAYLOAD_DEPTH} levels`,
        retriable: false,
        details: [{ path: '/message/payload', message: `nests arrays and objects deeper than ${MAX_PAYLOAD_DEPTH} levels` }],
      });
      expect(
        (
          await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
            accountId: 'a1',
            deviceId: 'deep-target',
            message: { id: 'after', payload: 1 },
          })
        ).status,
      ).toBe(200);
      expect((await d.next('push')).id).toBe('after');
      d.close();
    });

    it('holds payloads to 32 levels in a deliver batch and in a notice body to the document limit', async () => {
      const batch = `{"deliveries":[{"accountId":"a1","deviceId":"x","message":{"id":"m","payload":${nested(33)}}}]}`;
      const answer = await postDeliver(batch);
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toBe(
        'invalid delivery batch: /deliveries/0/message/payload nests arrays and objects deeper than 32 levels',
      );
      const notice = await fetch(`${t.internalUrl}/v1/notify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}` },
        body: `{"accountId":"a1","frame":${nested(5_000)}}`,
      });
      expect(notice.status).toBe(400);
    });
  });

  describe('createdAt (item 12)', () => {
    const push = (deviceId: string, createdAt: number, id: string) =>
      deliver(t.internalUrl, TEST_SERVICE_TOKEN, { accountId: 'a1', deviceId, message: { id, payload: 1, createdAt } });

    it('refuses a createdAt that is no time (1e308), rejects one far ahead and expires one older than any TTL', async () => {
      const d = await connect('a1', 'timed');
      expect((await push('timed', 1e308, 'never')).status).toBe(400);
      expect(await push('timed', Date.now() + 3_600_000, 'ahead')).toMatchObject({ status: 400, body: { status: 'rejected' } });
      const old = Date.now() - (MAX_MESSAGE_TTL_SECONDS + 60) * 1000;
      expect(await push('timed', old, 'ancient')).toMatchObject({ status: 422, body: { status: 'expired' } });
      expect(await push('timed', Date.now() - 1000, 'fresh')).toMatchObject({ status: 200, body: { status: 'delivered' } });
      expect((await d.next('push')).id).toBe('fresh');
      d.close();
    });
  });

  describe('floods (item 8)', () => {
    it('closes a device flooding past its rate 1008 within a bound, answering only a burst of the dropped frames', async () => {
      const d = await connect('a1', 'flooder');
      const started = Date.now();
      for (let i = 0; i < 10_000; i++) d.send('{"type":"ping"}');
      const closed = await d.closed;
      expect(closed).toEqual({ code: CloseCode.POLICY_VIOLATION, reason: 'rate limit exceeded: more than 50 frames dropped within 10 s' });
      expect(Date.now() - started).toBeLessThan(5_000);
      const limited = d.frames.filter((f) => f.type === 'error' && f.code === 'rate_limited');
      expect(limited.length).toBeLessThanOrEqual(10); // a burst's worth (2 × 5/s), not one per dropped frame
      expect(d.frames.filter((f) => f.type === 'pong').length).toBeLessThanOrEqual(12);
    });

    it('does not count rate-limited frames toward the bad-frame close', async () => {
      const d = await connect('a1', 'bursty');
      for (let i = 0; i < 40; i++) d.send('{"type":"ping"}'); // ~30 dropped: under the flood limit of 50
      await d.next('error');
      await waitFor(() => d.frames.filter((f) => f.type === 'pong').length >= 10, { timeoutMs: 5000, what: 'the burst answered' });
      clockOffsetMs += 2000; // the bucket refills: the bad frames below are read, not dropped
      d.send('{not json');
      d.send('{not json');
      await waitFor(() => d.frames.filter((f) => f.type === 'error' && f.code === 'invalid_json').length === 2, {
        timeoutMs: 5000,
        what: 'two bad-frame errors',
      });
      expect(d.ws.readyState).toBe(WebSocket.OPEN); // 2 bad frames < 3, whatever was dropped before
      d.send('{not json');
      expect((await d.closed).reason).toBe('too many bad frames (3)');
    });

    it('answers POST /v1/frames 429 with Retry-After and a JSON body for a frame it dropped', async () => {
      const token = await t.token('a1', 'sse-flooder');
      const stream = await RawHttpConnection.open(Number(new URL(t.deviceUrl).port));
      await stream.write(`GET /v1/events?token=${token} HTTP/1.1\r\nHost: edge\r\n\r\n`);
      await waitFor(() => t.edge.connectionOf('a1', 'sse-flooder') !== undefined, { timeoutMs: 5000, what: 'the SSE stream open' });
      const post = () =>
        fetch(`${t.deviceUrl}/v1/frames`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{"type":"ping"}' });
      const answers = [];
      for (let i = 0; i < 12; i++) answers.push(await post());
      const dropped = answers.filter((a) => a.status === 429);
      expect(dropped.length).toBeGreaterThan(0);
      expect(answers.filter((a) => a.status === 202).length).toBeGreaterThanOrEqual(10);
      expect(dropped[0]!.headers.get('retry-after')).toBe('1');
      expect(await dropped[0]!.json()).toEqual({
        error: { code: 'rate_limited', message: 'frame dropped: over the frame rate of this connection', retriable: true },
      });
      stream.close();
    });
  });

  describe('d2d with a payload nested too deep (item 14)', () => {
    it('answers d2d.result rejected and logs no error for it', async () => {
      const sender = await connect('a1', 'd2d-deep-sender');
      const target = await connect('a1', 'd2d-deep-target');
      const errorsBefore = logLines.filter((l) => l.level >= 50).length;
      for (let i = 0; i < 2; i++) {
        sender.send(`{"type":"d2d.send","reqId":"deep-${i}","to":"d2d-deep-target","payload":${nested(10_000)}}`);
        expect(await sender.next('d2d.result')).toEqual({ type: 'd2d.result', reqId: `deep-${i}`, status: 'rejected' });
      }
      sender.send({ type: 'd2d.send', reqId: 'fine', to: 'd2d-deep-target', payload: { ok: true } });
      expect(await sender.next('d2d.result')).toEqual({ type: 'd2d.result', reqId: 'fine', status: 'delivered' });
      expect((await target.next('d2d.message')).payload).toEqual({ ok: true });
      expect(logLines.filter((l) => l.level >= 50).length).toBe(errorsBefore);
      sender.close();
      target.close();
    });
  });

  describe('close codes in metrics (item 15)', () => {
    it('counts 100 random client close codes under a bounded label set', async () => {
      // 4100–4999: codes a client may send that the edge does not know (uWS reports 3000–3999 as 1006).
      const codes = Array.from({ length: 100 }, (_, i) => 4100 + ((i * 7919) % 900));
      const devices = await Promise.all(codes.map((_, i) => connect('closers', `closer-${i}`)));
      devices.forEach((d, i) => d.ws.close(codes[i]));
      await Promise.all(devices.map((d) => d.closed));
      await waitFor(() => devices.every((_, i) => t.edge.connectionOf('closers', `closer-${i}`) === undefined), {
        timeoutMs: 5000,
        what: 'all closes seen',
      });
      const metrics = await (await fetch(`${t.internalUrl}/metrics`)).text();
      const labels = [...metrics.matchAll(/^pushwire_edge_closes_total\{[^}]*code="([^"]+)"/gm)].map((m) => m[1]);
      const known = new Set([...Object.values(CloseCode).map(String), '1005', '1006', 'other']);
      expect(labels.filter((l) => !known.has(l!))).toEqual([]);
      const other = Number(/^pushwire_edge_closes_total\{[^}]*code="other"[^}]*\} (\d+)/m.exec(metrics)![1]);
      expect(other).toBe(100);
    });
  });
});
