import type { Registration } from '@pushwire/protocol';
import { serviceCallFailure as failure, StubService, unusedUrl, type StubRequest } from '@pushwire/service-http/testing';
import { HttpRegistryClient } from './http-registry-client';

// A stub registry on a real socket: each test decides the answers; every request is recorded.
const TOKEN = 'test-service-token-0123456789';
const stub = StubService.forTests();
const seen: StubRequest[] = stub.requests;
let baseUrl: string;
let client: HttpRegistryClient;

beforeAll(() => {
  baseUrl = `${stub.url}/`;
});
beforeEach(() => {
  client = new HttpRegistryClient({ baseUrl, serviceToken: TOKEN, timeoutMs: 2000 });
});
afterEach(async () => {
  await client.close();
});

/** Device `deviceId` of account acct-1. */
const dev = (deviceId: string) => ({ accountId: 'acct-1', deviceId });
const reg = (deviceId: string): Registration => ({
  deviceId,
  accountId: 'acct-1',
  deviceType: 'phone',
  edgeId: 'edge-1',
  edgeUrl: 'http://edge-1:8081',
  connectionId: `c-${deviceId}`,
  connectedAt: 1_700_000_000_000,
  expiresAt: 1_700_001_800,
});

describe('HttpRegistryClient', () => {
  it('looks devices up with the service token and returns the validated answer', async () => {
    stub.answer = () => ({ status: 200, body: { registrations: [reg('d1')], missing: [dev('d2')] } });
    await expect(client.lookup([dev('d1'), dev('d2')])).resolves.toEqual({ registrations: [reg('d1')], missing: [dev('d2')] });
    expect(seen).toEqual([
      { method: 'POST', url: '/v1/lookup', authorization: `Bearer ${TOKEN}`, body: { devices: [dev('d1'), dev('d2')] } },
    ]);
  });

  it('splits a lookup larger than one batch into several requests and merges the answers', async () => {
    stub.answer = (req) => {
      const devices = (req.body as { devices: { accountId: string; deviceId: string }[] }).devices;
      return { status: 200, body: { registrations: [], missing: devices } };
    };
    const devices = Array.from({ length: 1200 }, (_, i) => dev(`d${i}`));
    const res = await client.lookup(devices);
    expect(seen.map((s) => (s.body as { devices: unknown[] }).devices.length).sort()).toEqual([200, 500, 500]);
    expect(res.missing.map((m) => m.deviceId).sort()).toEqual(devices.map((d) => d.deviceId).sort());
  });

  it('splits register and deregister batches and returns every outcome', async () => {
    stub.answer = (req) => {
      const items = req.body as { registrations?: Registration[]; deregistrations?: { accountId: string; deviceId: string }[] };
      const list = items.registrations ?? items.deregistrations ?? [];
      const outcome = req.url === '/v1/registrations' ? 'registered' : 'deregistered';
      return { status: 200, body: { results: list.map((r) => ({ accountId: r.accountId, deviceId: r.deviceId, outcome })) } };
    };
    const regs = Array.from({ length: 501 }, (_, i) => reg(`d${i}`));
    expect(await client.register(regs)).toHaveLength(501);
    expect(
      await client.deregister(regs.map((r) => ({ accountId: r.accountId, deviceId: r.deviceId, connectionId: r.connectionId }))),
    ).toHaveLength(501);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /v1/registrations',
      'POST /v1/registrations',
      'POST /v1/registrations/remove',
      'POST /v1/registrations/remove',
    ]);
  });

  it('makes no request for an empty batch', async () => {
    stub.answer = () => ({ status: 500 });
    await expect(client.register([])).resolves.toEqual([]);
    await expect(client.lookup([])).resolves.toEqual({ registrations: [], missing: [] });
    expect(seen).toHaveLength(0);
  });

  it('lists an account, renews and releases a lease on the documented routes', async () => {
    const lease = { lease: { edgeId: 'edge-1', edgeUrl: 'http://e', expiresAt: 1 }, renewed: false };
    stub.answer = (req) => {
      if (req.method === 'GET') return { status: 200, body: { registrations: [reg('d1')] } };
      if (req.method === 'PUT') return { status: 200, body: lease };
      return { status: 204 };
    };
    await expect(client.listByAccount('acct/1')).resolves.toEqual([reg('d1')]);
    await expect(client.renewLease('edge 1', 'http://e', 10)).resolves.toEqual(lease);
    await expect(client.renewLease('edge 1', 'http://e', 10, { incarnation: 'proc-1' })).resolves.toEqual(lease);
    await expect(client.releaseLease('edge 1')).resolves.toBeUndefined();
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['GET', '/v1/accounts/acct%2F1/registrations', undefined],
      ['PUT', '/v1/edges/edge%201/lease', { edgeUrl: 'http://e', ttlSeconds: 10 }],
      ['PUT', '/v1/edges/edge%201/lease', { edgeUrl: 'http://e', ttlSeconds: 10, incarnation: 'proc-1' }],
      ['DELETE', '/v1/edges/edge%201/lease', undefined],
    ]);
  });

  it('reads lease status on POST /v1/leases/status in batches of 500 distinct edge ids and merges the answers', async () => {
    stub.answer = (req) => {
      const ids = (req.body as { edgeIds: string[] }).edgeIds;
      return {
        status: 200,
        body: {
          leases: ids
            .filter((id) => id.endsWith('0'))
            .map((edgeId) => ({ edgeId, edgeUrl: `http://${edgeId}`, expiresAt: 1_700_000_030, epoch: `ep-${edgeId}` })),
        },
      };
    };
    const ids = Array.from({ length: 1200 }, (_, i) => `e${i}`);
    const leases = await client.leaseStatus([...ids, 'e0', 'e10']);
    expect(new Set(seen.map((s) => `${s.method} ${s.url} ${s.authorization}`))).toEqual(
      new Set([`POST /v1/leases/status Bearer ${TOKEN}`]),
    );
    expect(seen.map((s) => (s.body as { edgeIds: string[] }).edgeIds.length).sort()).toEqual([200, 500, 500]);
    expect(leases).toHaveLength(120);
    expect(leases[0]).toEqual({ edgeId: 'e0', edgeUrl: 'http://e0', expiresAt: 1_700_000_030, epoch: 'ep-e0' });
    await expect(client.leaseStatus([])).resolves.toEqual([]);
    expect(seen).toHaveLength(3);
  });

  it('fails lease status as the other calls do: retriable on 5xx, not on 4xx or on an answer off the schema', async () => {
    stub.answer = () => ({ status: 503, body: { error: { code: 'store_unavailable', message: 'dynamodb timed out', retriable: true } } });
    const unavailable = await failure(client.leaseStatus(['e1']));
    expect([unavailable.status, unavailable.retriable]).toEqual([503, true]);
    expect(unavailable.message).toContain('registry POST /v1/leases/status answered 503: store_unavailable: dynamodb timed out');

    stub.answer = () => ({
      status: 400,
      body: { error: { code: 'invalid_request', message: 'body/edgeIds/0 must match pattern', retriable: false } },
    });
    expect((await failure(client.leaseStatus(['bad id']))).retriable).toBe(false);

    stub.answer = () => ({ status: 200, body: { leases: [{ edgeId: 'e1', edgeUrl: 'http://e1', expiresAt: 1 }] } });
    const offSchema = await failure(client.leaseStatus(['e1']));
    expect(offSchema.retriable).toBe(false);
    expect(offSchema.message).toContain('unexpected answer');
  });

  it('rejects with a retriable error carrying the server message on 503, never reporting devices missing', async () => {
    stub.answer = () => ({ status: 503, body: { error: { code: 'store_unavailable', message: 'dynamodb timed out', retriable: true } } });
    const e = await failure(client.lookup([dev('d1')]));
    expect(e.retriable).toBe(true);
    expect(e.status).toBe(503);
    expect(e.message).toContain('store_unavailable: dynamodb timed out');
  });

  it('rejects the whole lookup when one of its batches fails', async () => {
    let n = 0;
    stub.answer = (req) =>
      n++ === 1
        ? { status: 500, body: { error: { code: 'internal', message: 'boom', retriable: true } } }
        : { status: 200, body: { registrations: [], missing: (req.body as { devices: unknown[] }).devices } };
    const e = await failure(client.lookup(Array.from({ length: 1000 }, (_, i) => dev(`d${i}`))));
    expect(e.retriable).toBe(true);
  });

  it('rejects with a non-retriable error on 4xx', async () => {
    stub.answer = () => ({
      status: 400,
      body: { error: { code: 'invalid_request', message: 'body/registrations/0/deviceId must match pattern', retriable: false } },
    });
    const e = await failure(client.register([reg('d1')]));
    expect(e.retriable).toBe(false);
    expect(e.status).toBe(400);
    expect(e.message).toContain('invalid_request: body/registrations/0/deviceId');

    stub.answer = () => ({ status: 401, body: { error: { code: 'unauthorized', message: 'bad service token', retriable: false } } });
    expect((await failure(client.listByAccount('a'))).retriable).toBe(false);
  });

  it('rejects a 200 answer that does not match the schema as a non-retriable contract error', async () => {
    stub.answer = () => ({ status: 200, body: { registrations: [{ deviceId: 'd1' }], missing: [] } });
    const e = await failure(client.lookup([dev('d1')]));
    expect(e.retriable).toBe(false);
    expect(e.message).toContain('unexpected answer');
  });

  it('rejects with a retriable error when the registry cannot be reached', async () => {
    const offline = new HttpRegistryClient({ baseUrl: await unusedUrl(), serviceToken: TOKEN });
    try {
      const e = await failure(offline.lookup([dev('d1')]));
      expect(e.retriable).toBe(true);
      expect(e.status).toBeUndefined();
    } finally {
      await offline.close();
    }
  });
});

describe('HttpRegistryClient failures by code', () => {
  it("carries the registry's error code, or unreachable / invalid_response when it gave none", async () => {
    stub.answer = () => ({ status: 503, body: { error: { code: 'store_unavailable', message: 'dynamodb timed out', retriable: true } } });
    expect((await failure(client.lookup([dev('d1')]))).code).toBe('store_unavailable');
    stub.answer = () => ({ status: 400, body: { error: { code: 'invalid_request', message: 'bad id', retriable: false } } });
    expect((await failure(client.register([reg('d1')]))).code).toBe('invalid_request');
    stub.answer = () => ({ status: 200, body: { registrations: [{ deviceId: 'd1' }], missing: [] } });
    expect((await failure(client.lookup([dev('d1')]))).code).toBe('invalid_response');
    stub.answer = () => ({ status: 502 });
    expect(await failure(client.lookup([dev('d1')]))).toMatchObject({ code: 'invalid_response', retriable: true, status: 502 });
    const offline = new HttpRegistryClient({ baseUrl: await unusedUrl(), serviceToken: TOKEN });
    try {
      expect((await failure(offline.lookup([dev('d1')]))).code).toBe('unreachable');
    } finally {
      await offline.close();
    }
  });

  it('gives up a call when its signal aborts, as a retriable unreachable', async () => {
    stub.answer = () => 'hang';
    const abort = new AbortController();
    const call = client.lookup([dev('d1')], { signal: abort.signal });
    await stub.received();
    abort.abort();
    expect(await failure(call)).toMatchObject({ code: 'unreachable', retriable: true });
  });

  it('keeps a path prefix of the base URL', async () => {
    const prefixed = new HttpRegistryClient({ baseUrl: `${stub.url}/registry//`, serviceToken: TOKEN });
    stub.answer = () => ({ status: 204 });
    try {
      await prefixed.releaseLease('edge-1');
      expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['DELETE /registry/v1/edges/edge-1/lease']);
    } finally {
      await prefixed.close();
    }
  });
});
