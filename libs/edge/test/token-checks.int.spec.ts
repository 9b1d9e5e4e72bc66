import { mintDeviceToken } from '@pushwire/auth';
import { CloseCode, MAX_TOKEN_BYTES } from '@pushwire/protocol';
import { startTestEdge, TEST_JWT_SECRET, type TestEdge } from '../src/testing';
import { connect } from 'node:net';
import { RawDevice } from './raw-device';

/**
 * One HTTP request written to a raw socket in a single write: the status and JSON body, or status
 * 200 and no body for an event stream (cut at once). uWebSockets.js answers headers over 4 KB that
 * arrive in several reads with its own 431 page before any handler runs (HTTP clients may write a
 * request in pieces), so a 100 KB header must reach it in one piece to test what the edge does.
 */
function rawRequest(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<{ status: number; body: unknown }> {
  const head = Object.entries({ host: '127.0.0.1', ...headers, ...(method === 'POST' ? { 'content-length': String(body.length) } : {}) })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${method} ${path} HTTP/1.1\r\n${head}\r\n${body}`));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      if (/content-type: text\/event-stream/i.test(text.slice(0, end))) {
        socket.destroy();
        resolve({ status, body: undefined });
        return;
      }
      const length = Number(/content-length: (\d+)/i.exec(text.slice(0, end))?.[1]);
      if (text.length < end + 4 + length) return;
      socket.destroy();
      try {
        resolve({ status, body: JSON.parse(text.slice(end + 4, end + 4 + length)) as unknown });
      } catch (e) {
        reject(new Error(`not a JSON answer: ${text.slice(0, 300)}`, { cause: e }));
      }
    });
    socket.on('error', reject);
  });
}

/** The headers of a WebSocket upgrade request (RFC 6455 §4.1). */
const UPGRADE = {
  upgrade: 'websocket',
  connection: 'Upgrade',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

/** What every refused token gets: 401 and the same words, whatever was wrong with it. */
const GENERIC_401 = { error: { code: 'unauthorized', message: 'the device token is invalid or expired', retriable: false } };

describe('edge: which tokens get in (lifetime, issuer, audience, size, scheme)', () => {
  let t: TestEdge;
  const mint = (o: { ttlSeconds?: number; at?: number; issuer?: string; audience?: string } = {}) =>
    mintDeviceToken({
      secret: TEST_JWT_SECRET,
      accountId: 'a1',
      deviceId: 'tv-checks',
      nowSeconds: o.at,
      ttlSeconds: o.ttlSeconds,
      issuer: 'issuer' in o ? o.issuer : 'https://id.example',
      audience: 'audience' in o ? o.audience : 'pushwire-devices',
    });
  /** The status and JSON body of `GET /v1/events` with this Authorization header (a 200 stream is cut at once). */
  const sse = (authorization: string) => rawRequest(t.edge.devicePort, 'GET', '/v1/events', { authorization });

  beforeAll(async () => {
    t = await startTestEdge({ jwtIssuer: 'https://id.example', jwtAudience: 'pushwire-devices', jwtMaxLifetimeSeconds: 3600 });
  });
  afterAll(() => t.stop());

  it('accepts a token of the configured issuer and audience, within the maximum lifetime (the test helper mints those)', async () => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('a1', 'tv-ok', { ttlSeconds: 3600 })}`);
    expect((await d.next('welcome')).deviceId).toBe('tv-ok');
    d.close();
  });

  it.each([
    ['a 100-year exp', { ttlSeconds: 100 * 365 * 86_400 }],
    ['an exp further than the maximum lifetime', { ttlSeconds: 3600 + 120 }],
    ['an iat an hour in the future', { at: Math.floor(Date.now() / 1000) + 3600, ttlSeconds: 600 }],
    ['another issuer', { issuer: 'https://evil.example' }],
    ['no issuer', { issuer: undefined }],
    ['another audience', { audience: 'someone-else' }],
    ['no audience', { audience: undefined }],
  ])('refuses %s with 401 and the generic body, on WebSocket and SSE', async (_name, o) => {
    const token = await mint(o);
    const ws = await RawDevice.refusal(`${t.wsUrl}/v1/connect`, { authorization: `Bearer ${token}` });
    expect({ status: ws.status, body: ws.body }).toEqual({ status: 401, body: GENERIC_401 });
    expect(await sse(`Bearer ${token}`)).toEqual({ status: 401, body: GENERIC_401 });
    expect(t.edge.connections).toBe(0);
  });

  it('refuses a 100 KB token by query and by header with 401 and the generic body, fast, on every path', async () => {
    const huge = `${await mint()}${'A'.repeat(100 * 1024)}`;
    const started = Date.now();
    const port = t.edge.devicePort;
    const byQuery = await rawRequest(port, 'GET', `/v1/connect?token=${huge}`, UPGRADE);
    const byHeader = await rawRequest(port, 'GET', '/v1/connect', { ...UPGRADE, authorization: `Bearer ${huge}` });
    const stream = await sse(`Bearer ${huge}`);
    const frames = await rawRequest(t.edge.devicePort, 'POST', '/v1/frames', { authorization: `Bearer ${huge}` }, '{"type":"ping"}');
    const elapsed = Date.now() - started;
    expect(byQuery).toEqual({ status: 401, body: GENERIC_401 });
    expect(byHeader).toEqual({ status: 401, body: GENERIC_401 });
    expect(stream).toEqual({ status: 401, body: GENERIC_401 });
    expect(frames).toEqual({ status: 401, body: GENERIC_401 });
    expect(elapsed).toBeLessThan(2000);
    const rejects = await t.edge.metricsRegistry.getSingleMetric('pushwire_edge_rejects_total')!.get();
    expect(rejects.values.find((v) => v.labels.reason === 'oversized_token')?.value).toBe(4);
  });

  it('takes a token of exactly the size limit into verification (the limit is inclusive)', async () => {
    const padded = 'x'.repeat(MAX_TOKEN_BYTES);
    const r = await RawDevice.refusal(`${t.wsUrl}/v1/connect`, { authorization: `Bearer ${padded}` });
    expect(r.status).toBe(401);
    const rejects = await t.edge.metricsRegistry.getSingleMetric('pushwire_edge_rejects_total')!.get();
    expect(rejects.values.find((v) => v.labels.reason === 'invalid_token')?.value).toBeGreaterThanOrEqual(1);
  });

  it('closes an oversized first auth frame 4003 at once, not after the no-auth TTL', async () => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?auth=frame`);
    const started = Date.now();
    d.send({ type: 'auth', token: 'A'.repeat(MAX_TOKEN_BYTES + 1) });
    expect((await d.closed).code).toBe(CloseCode.AUTH_FAILED);
    expect(Date.now() - started).toBeLessThan(2000); // the no-auth TTL is 8 s
  });

  it.each(['bearer', 'BEARER', 'Bearer'])('takes the %s scheme on WebSocket, SSE and the back-channel', async (scheme) => {
    const token = await t.token('a1', `tv-scheme-${scheme}`);
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect`, { authorization: `${scheme} ${token}` });
    expect((await d.next('welcome')).deviceId).toBe(`tv-scheme-${scheme}`);
    const pong = d.next('pong');
    const posted = await rawRequest(
      t.edge.devicePort,
      'POST',
      '/v1/frames',
      { authorization: `${scheme} ${token}` },
      '{"type":"ping","t":3}',
    );
    expect(posted.status).toBe(202);
    expect(await pong).toMatchObject({ t: 3 });
    d.close();
    await d.closed;
    expect((await sse(`${scheme} ${token}`)).status).toBe(200);
  });
});
