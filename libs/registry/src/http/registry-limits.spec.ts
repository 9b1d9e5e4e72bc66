import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { RawHttpConnection } from '@pushwire/service-http/testing';
import { ConfigError, createMetricsRegistry, silentLogger } from '@pushwire/service-kit';
import { MemoryRegistryStore } from '../memory-registry-store';
import { EdgeHostAllowList } from './edge-hosts';
import { buildRegistryApp } from './registry-app';

// The registry on a real socket against what an attacker holding a service token might send
// (issue 12, items 11 and 13): edge URLs that point anywhere but an edge, ids too long for the
// router, bodies too large. Every answer is our JSON error body.

const TOKEN = 'registry-limits-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

async function serve(edgeHosts?: EdgeHostAllowList): Promise<{ app: FastifyInstance; port: number }> {
  const app = buildRegistryApp({
    store: new MemoryRegistryStore({ sweepIntervalMs: 0 }),
    serviceToken: TOKEN,
    logger: silentLogger(),
    metricsRegistry: createMetricsRegistry('registry', false),
    ...(edgeHosts ? { edgeHosts } : {}),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as AddressInfo).port };
}

const registration = (edgeUrl: string) => ({
  deviceId: 'tv-1',
  accountId: 'a1',
  deviceType: 'tv',
  edgeId: 'edge-1',
  edgeUrl,
  connectionId: 'c1',
  connectedAt: Date.now(),
  expiresAt: Math.floor(Date.now() / 1000) + 600,
});

describe('the registry refuses hostile input', () => {
  let app: FastifyInstance;
  let base: string;
  let port: number;
  beforeAll(async () => {
    ({ app, port } = await serve());
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => app.close());

  const lease = (edgeUrl: string) =>
    fetch(`${base}/v1/edges/edge-1/lease`, { method: 'PUT', headers: auth, body: JSON.stringify({ edgeUrl, ttlSeconds: 30 }) });

  it.each([
    'file:///etc/passwd',
    'gopher://10.0.0.1:70/x',
    'http://user:secret@edge-1:8081',
    'http://edge-1:8081/?next=x',
    'http://edge-1#f',
  ])('refuses a lease to %s with 400 invalid_request naming edgeUrl', async (edgeUrl) => {
    const res = await lease(edgeUrl);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request', details: [{ path: 'body/edgeUrl' }] } });
  });

  it('refuses the same edge URLs in registrations, and takes a lease and registration of a real edge URL', async () => {
    const bad = await fetch(`${base}/v1/registrations`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ registrations: [registration('file:///etc/passwd')] }),
    });
    expect(bad.status).toBe(400);
    expect((await lease('http://edge-1.internal:8081')).status).toBe(200);
    const good = await fetch(`${base}/v1/registrations`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ registrations: [registration('http://edge-1.internal:8081')] }),
    });
    expect(await good.json()).toEqual({ results: [{ accountId: 'a1', deviceId: 'tv-1', outcome: 'registered' }] });
  });

  it('answers a 300-character id with our JSON body, echoing none of it', async () => {
    const id = 'q'.repeat(300);
    const res = await fetch(`${base}/v1/accounts/a1/registrations/${id}`, { headers: auth });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      error: { code: 'invalid_request', message: 'a path segment is longer than 256 characters', retriable: false },
    });
    expect(text).not.toContain('qqqq');
  });

  it('answers a 10 MB body 413 with our JSON body instead of resetting the connection', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024, 'a');
    const conn = await RawHttpConnection.open(port);
    await conn.write(
      `POST /v1/lookup HTTP/1.1\r\nHost: r\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    await conn.write(body);
    const answer = await conn.response();
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'payload_too_large', message: 'Request body is too large', retriable: false },
    });
    await conn.write('GET /healthz HTTP/1.1\r\nHost: r\r\n\r\n');
    expect((await conn.response()).status).toBe(200);
    conn.close();
  });
});

describe('PUSHWIRE_REGISTRY_EDGE_HOSTS', () => {
  it('lets edges name only the hosts on the list: names, *.domains, addresses and CIDRs', async () => {
    const { app, port } = await serve(EdgeHostAllowList.parse('edge-1.internal, *.edges.test, 10.0.0.0/8, fd00::/8, 192.0.2.7'));
    try {
      const lease = (edgeUrl: string) =>
        fetch(`http://127.0.0.1:${port}/v1/edges/edge-1/lease`, {
          method: 'PUT',
          headers: auth,
          body: JSON.stringify({ edgeUrl, ttlSeconds: 30 }),
        });
      for (const ok of [
        'http://edge-1.internal:8081',
        'http://EU-1.Edges.Test:8081',
        'http://10.2.3.4:8081',
        'http://[fd00::5]:8081',
        'https://192.0.2.7',
      ])
        expect({ ok, status: (await lease(ok)).status }).toEqual({ ok, status: 200 });
      for (const refused of [
        'http://169.254.169.254',
        'http://edge-2.internal:8081',
        'http://edges.test:8081',
        'http://11.0.0.1:8081',
        'http://[::1]:8081',
      ]) {
        const res = await lease(refused);
        expect({ refused, status: res.status }).toEqual({ refused, status: 403 });
        expect(await res.json()).toMatchObject({ error: { code: 'forbidden', retriable: false } });
      }
      const registrations = await fetch(`http://127.0.0.1:${port}/v1/registrations`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ registrations: [registration('http://edge-1.internal:8081'), registration('http://169.254.169.254')] }),
      });
      expect(registrations.status).toBe(403);
    } finally {
      await app.close();
    }
  });

  it('refuses to start on an entry it cannot read, naming it', () => {
    expect(() => EdgeHostAllowList.parse('edge-1, 10.0.0.0/33')).toThrow(ConfigError);
    expect(() => EdgeHostAllowList.parse('edge-1, 10.0.0.0/33')).toThrow(/"10.0.0.0\/33" has an invalid prefix length/);
    expect(() => EdgeHostAllowList.parse('http://edge-1')).toThrow(/"http:\/\/edge-1" is not a host name/);
    expect(EdgeHostAllowList.parse(' , ').allows('http://edge-1')).toBe(false);
  });
});
