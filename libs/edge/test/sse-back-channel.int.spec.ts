import { startTestEdge, type TestEdge } from '../src/testing';
import { SseDevice } from './raw-device';

describe('edge: the SSE back-channel (POST /v1/frames)', () => {
  let t: TestEdge;
  beforeAll(async () => {
    t = await startTestEdge({ maxBadFrames: 3, deviceFramesPerSecond: 1 });
  });
  afterAll(() => t.stop());

  const stream = async (deviceId: string) => {
    const token = await t.token('sse', deviceId);
    const device = await SseDevice.open(`${t.deviceUrl}/v1/events?token=${token}`);
    await device.next('welcome');
    return { device, token };
  };
  const post = async (token: string, body: string) => {
    const res = await fetch(`${t.deviceUrl}/v1/frames`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });
    return {
      status: res.status,
      cors: res.headers.get('access-control-allow-origin'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };

  it('accepts a frame with 202 and answers it down the stream', async () => {
    const { device, token } = await stream('ping');
    expect(await post(token, JSON.stringify({ type: 'ping', t: 3 }))).toEqual({ status: 202, cors: '*', body: { accepted: true } });
    expect(await device.next('pong')).toMatchObject({ t: 3 });
    device.close();
  });

  it('hands device requests on decoded: devices.list without a device list is answered with its reqId', async () => {
    const { device, token } = await stream('lister');
    expect((await post(token, JSON.stringify({ type: 'devices.list', reqId: 'r-1' }))).status).toBe(202);
    expect(await device.next('error')).toMatchObject({ code: 'invalid_frame', reqId: 'r-1' });
    device.close();
  });

  it('answers a bad frame 400 itself, without counting it toward the close', async () => {
    const { device, token } = await stream('bad');
    const bad = ['{not json', JSON.stringify({ type: 'teleport' }), JSON.stringify({ type: 'ack' }), '[]'];
    const answers = [];
    for (const body of bad) answers.push(await post(token, body));
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400]);
    expect(answers.map((a) => (a.body['error'] as { code: string }).code)).toEqual([
      'invalid_json',
      'unknown_type',
      'invalid_frame',
      'invalid_frame',
    ]);
    expect((await post(token, JSON.stringify({ type: 'ping', t: 9 }))).status).toBe(202);
    expect(await device.next('pong')).toMatchObject({ t: 9 });
    device.close();
  });

  it('rate-limits decoded frames like WebSocket ones: a d2d.send over the limit is answered 429 and gets its d2d.result', async () => {
    const { device, token } = await stream('flood');
    const sends = ['a', 'b', 'c', 'd'].map((id) => JSON.stringify({ type: 'd2d.send', reqId: `send-${id}`, to: 'nobody', payload: 1 }));
    const answers = await Promise.all(sends.map((body) => post(token, body)));
    // Two within the burst (1/s, burst 2) are taken; the two dropped are answered 429 (issue 12, item 8).
    expect(answers.map((a) => a.status).sort()).toEqual([202, 202, 429, 429]);
    expect(answers.filter((a) => a.status === 429).map((a) => (a.body['error'] as { code: string }).code)).toEqual([
      'rate_limited',
      'rate_limited',
    ]);
    const results = await Promise.all(sends.map(() => device.next('d2d.result')));
    expect(results.map((r) => r.status)).toContain('rate_limited');
    expect(results.map((r) => r.reqId).sort()).toEqual(['send-a', 'send-b', 'send-c', 'send-d']);
    device.close();
  });

  it('answers 404 for a device with no stream here and 401 for a bad token', async () => {
    const token = await t.token('sse', 'no-stream');
    expect(await post(token, JSON.stringify({ type: 'ping' }))).toMatchObject({ status: 404, cors: '*' });
    expect(await post('not-a-jwt', JSON.stringify({ type: 'ping' }))).toMatchObject({ status: 401, cors: '*' });
  });

  it('answers the CORS preflight', async () => {
    const res = await fetch(`${t.deviceUrl}/v1/frames`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toBe('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
  });
});
