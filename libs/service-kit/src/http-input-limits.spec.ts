import type { AddressInfo } from 'node:net';
import { Type } from '@sinclair/typebox';
import { MAX_JSON_DEPTH } from '@pushwire/protocol';
import { RawHttpConnection } from '@pushwire/service-http/testing';
import { buildServiceApp, type ServiceApp } from './http-service-app';
import { silentLogger } from './logger';
import { createMetricsRegistry } from './metrics';

// The shared fastify app on a real socket, driven by raw bytes where the wire matters: every
// refusal the router and the body parser make is our JSON error body, and none echoes the input.

describe('the service app refuses hostile input with JSON error bodies', () => {
  let app: ServiceApp;
  let port: number;
  let handled: unknown[];

  beforeAll(async () => {
    handled = [];
    app = buildServiceApp({
      title: 'limits',
      description: 'limits spec',
      logger: silentLogger(),
      metricsRegistry: createMetricsRegistry('limits-spec', false),
    });
    app.register(async (v1) => {
      v1.post('/v1/things', { schema: { body: Type.Object({ items: Type.Array(Type.Unknown()) }) } }, async (request) => {
        handled.push(request.body);
        return { ok: true };
      });
      v1.get('/v1/things/:id', { schema: { params: Type.Object({ id: Type.String({ maxLength: 128 }) }) } }, async () => ({ ok: true }));
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  const post = (body: string) =>
    fetch(`http://127.0.0.1:${port}/v1/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const nested = (n: number) => `{"items":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;

  it('answers a body nested deeper than MAX_JSON_DEPTH 400 invalid_request before the handler, and takes one at the limit', async () => {
    const atLimit = await post(nested(MAX_JSON_DEPTH));
    expect(atLimit.status).toBe(200);
    for (const depth of [MAX_JSON_DEPTH + 1, 10_000]) {
      const res = await post(nested(depth));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: {
          code: 'invalid_request',
          message: `body: / nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
          retriable: false,
          details: [{ path: '/', message: `nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels` }],
        },
      });
    }
    expect(handled).toHaveLength(1);
  });

  it('still refuses prototype poisoning, as fastify does', async () => {
    const res = await post('{"items":[],"__proto__":{"polluted":true}}');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  it('answers a path parameter over 256 characters and a URL that does not decode with our body, not echoing the path', async () => {
    const long = 'x'.repeat(300);
    for (const path of [`/v1/things/${long}`, '/v1/things/%E0%A4%A']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      const text = await res.text();
      expect(res.status).toBe(400);
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'invalid_request', retriable: false } });
      expect(text).not.toContain('xxxxxxxxxx');
      expect(text).not.toContain('%E0');
    }
    // Up to 256 characters the route's schema answers, naming the field.
    const res = await fetch(`http://127.0.0.1:${port}/v1/things/${'y'.repeat(200)}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request', details: [{ path: 'params/id' }] } });
  });

  it('answers a 10 MB body 413 and reads the rest, so the client sees the answer and the connection goes on', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024, 'a');
    const conn = await RawHttpConnection.open(port);
    await conn.write(`POST /v1/things HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    await conn.write(body);
    const tooLarge = await conn.response();
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body)).toMatchObject({ error: { code: 'payload_too_large', retriable: false } });
    // The same connection answers the next request: it was neither reset nor closed.
    await conn.write('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');
    expect(await conn.response()).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    conn.close();
    expect(await conn.ended).toEqual({});
  });

  it('answers a chunked body that grows past the limit 413 the same way', async () => {
    const conn = await RawHttpConnection.open(port);
    await conn.write('POST /v1/things HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = 'a'.repeat(1024 * 1024);
    for (let i = 0; i < 3; i++) await conn.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    await conn.write('0\r\n\r\n');
    expect((await conn.response()).status).toBe(413);
    await conn.write('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');
    expect((await conn.response()).status).toBe(200);
    conn.close();
  });
});
