import type { FastifyInstance } from 'fastify';
import type { ErrorBody, LeaseStatusResponse, Registration } from '@pushwire/protocol';
import { createMetricsRegistry, silentLogger, StoreUnavailableError } from '@pushwire/service-kit';
import { buildRegistryApp } from './registry-app';
import { MemoryRegistryStore } from '../memory-registry-store';
import type { RegistryStore } from '../registry-store';
import { ManualClock, testRegistration, testRegistryApp } from '../testing';

const TOKEN = 'registry-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
/** Device `deviceId` of account a1. */
const a1 = (deviceId: string) => ({ accountId: 'a1', deviceId });

describe('registry HTTP app', () => {
  let clock: ManualClock;
  let store: MemoryRegistryStore;
  let app: FastifyInstance;

  const build = (s: RegistryStore) => testRegistryApp(s, TOKEN);
  const reg = (n: number, over: Partial<Registration> = {}) =>
    testRegistration(n, clock, { edgeUrl: 'http://e1:8081', ttlSeconds: 1800, ...over });

  beforeEach(async () => {
    clock = new ManualClock();
    store = new MemoryRegistryStore({ now: clock.now, sweepIntervalMs: 0 });
    app = build(store);
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await store.close();
  });

  it('registers, looks up, lists, deregisters and manages leases over /v1', async () => {
    const lease = await app.inject({
      method: 'PUT',
      url: '/v1/edges/e1/lease',
      headers: auth,
      payload: { edgeUrl: 'http://e1:8081', ttlSeconds: 30 },
    });
    expect(lease.statusCode).toBe(200);
    expect(lease.json()).toEqual({
      lease: { edgeId: 'e1', edgeUrl: 'http://e1:8081', expiresAt: Math.floor(clock.now() / 1000) + 30 },
      renewed: false,
    });

    const registered = await app.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: auth,
      payload: { registrations: [reg(1), reg(2)] },
    });
    expect(registered.statusCode).toBe(200);
    expect(registered.json()).toEqual({
      results: [
        { accountId: 'a1', deviceId: 'd1', outcome: 'registered' },
        { accountId: 'a1', deviceId: 'd2', outcome: 'registered' },
      ],
    });

    const one = await app.inject({ method: 'GET', url: '/v1/accounts/a1/registrations/d1', headers: auth });
    expect([one.statusCode, one.json()]).toEqual([200, reg(1)]);
    // d1 is a device of a1: named with another account it is nobody.
    const elsewhere = await app.inject({ method: 'GET', url: '/v1/accounts/a2/registrations/d1', headers: auth });
    expect(elsewhere.statusCode).toBe(404);

    const lookup = await app.inject({
      method: 'POST',
      url: '/v1/lookup',
      headers: auth,
      payload: { devices: [a1('d2'), a1('d9'), { accountId: 'a2', deviceId: 'd2' }] },
    });
    expect(lookup.json()).toEqual({ registrations: [reg(2)], missing: [a1('d9'), { accountId: 'a2', deviceId: 'd2' }] });

    const listed = await app.inject({ method: 'GET', url: '/v1/accounts/a1/registrations', headers: auth });
    expect(listed.json().registrations).toHaveLength(2);

    const removed = await app.inject({
      method: 'POST',
      url: '/v1/registrations/remove',
      headers: auth,
      payload: {
        deregistrations: [
          { accountId: 'a1', deviceId: 'd1', connectionId: 'old' },
          { accountId: 'a1', deviceId: 'd2', connectionId: 'c2' },
        ],
      },
    });
    expect(removed.json()).toEqual({
      results: [
        { accountId: 'a1', deviceId: 'd1', outcome: 'not_current' },
        { accountId: 'a1', deviceId: 'd2', outcome: 'deregistered' },
      ],
    });

    const released = await app.inject({ method: 'DELETE', url: '/v1/edges/e1/lease', headers: auth });
    expect([released.statusCode, released.body]).toEqual([204, '']);
    expect((await app.inject({ method: 'GET', url: '/v1/accounts/a1/registrations/d1', headers: auth })).statusCode).toBe(404);
  });

  it('reads live leases over POST /v1/leases/status, leaving out absent and lapsed ones', async () => {
    await store.renewLease('e1', 'http://e1:8081', 30);
    await store.renewLease('e2', 'http://e2:8081', 10);
    const status = (edgeIds: string[]) => app.inject({ method: 'POST', url: '/v1/leases/status', headers: auth, payload: { edgeIds } });

    const both = await status(['e1', 'e2', 'e3']);
    expect(both.statusCode).toBe(200);
    const nowS = Math.floor(clock.now() / 1000);
    expect(both.json<LeaseStatusResponse>().leases.sort((a, b) => a.edgeId.localeCompare(b.edgeId))).toEqual([
      { edgeId: 'e1', edgeUrl: 'http://e1:8081', expiresAt: nowS + 30, epoch: expect.any(String) },
      { edgeId: 'e2', edgeUrl: 'http://e2:8081', expiresAt: nowS + 10, epoch: expect.any(String) },
    ]);

    clock.advance(10_000);
    const one = await status(['e1', 'e2']);
    expect([one.statusCode, one.json<LeaseStatusResponse>().leases.map((l) => l.edgeId)]).toEqual([200, ['e1']]);
  });

  it('answers 400 invalid_request on a bad lease status body', async () => {
    const tooMany = Array.from({ length: 501 }, (_, i) => `e${i}`);
    for (const [payload, path] of [
      [{ edgeIds: [] }, 'body/edgeIds'],
      [{ edgeIds: tooMany }, 'body/edgeIds'],
      [{ edgeIds: ['bad id!'] }, 'body/edgeIds/0'],
      [{ edgeIds: ['e1'], sneaky: true }, 'body/sneaky'],
      [{}, 'body/edgeIds'],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/v1/leases/status', headers: auth, payload });
      expect([res.statusCode, res.json<ErrorBody>().error.code, res.json<ErrorBody>().error.details?.[0]?.path]).toEqual([
        400,
        'invalid_request',
        path,
      ]);
    }
    const denied = await app.inject({ method: 'POST', url: '/v1/leases/status', payload: { edgeIds: ['e1'] } });
    expect(denied.statusCode).toBe(401);
  });

  it('answers 401 unauthorized without the service token or with a wrong one', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: TOKEN }]) {
      const res = await app.inject({ method: 'POST', url: '/v1/lookup', headers, payload: { deviceIds: ['d1'] } });
      expect(res.statusCode).toBe(401);
      expect(res.json<ErrorBody>().error).toMatchObject({ code: 'unauthorized', retriable: false });
    }
  });

  it('answers 400 invalid_request naming the offending field', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: auth,
      payload: { registrations: [reg(1, { deviceId: 'bad id!' })] },
    });
    expect(bad.statusCode).toBe(400);
    const { error } = bad.json<ErrorBody>();
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain('body/registrations/0/deviceId');
    expect(error.details?.[0]?.path).toBe('body/registrations/0/deviceId');

    const missing = await app.inject({ method: 'PUT', url: '/v1/edges/e1/lease', headers: auth, payload: { edgeUrl: 'http://e1' } });
    expect(missing.json<ErrorBody>().error.details?.[0]?.path).toBe('body/ttlSeconds');

    const extra = await app.inject({ method: 'POST', url: '/v1/lookup', headers: auth, payload: { devices: [a1('d1')], sneaky: true } });
    expect([extra.statusCode, extra.json<ErrorBody>().error.details?.[0]?.path]).toEqual([400, 'body/sneaky']);

    const coerced = await app.inject({
      method: 'PUT',
      url: '/v1/edges/e1/lease',
      headers: auth,
      payload: { edgeUrl: 'http://e1', ttlSeconds: '30' },
    });
    expect(coerced.statusCode).toBe(400);

    const notJson = await app.inject({
      method: 'POST',
      url: '/v1/lookup',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"devices": [',
    });
    expect([notJson.statusCode, notJson.json<ErrorBody>().error.code]).toEqual([400, 'invalid_json']);
  });

  it('refuses 400 to find or remove a device by its id alone: every device is named with its account', async () => {
    for (const [url, payload] of [
      ['/v1/lookup', { deviceIds: ['d1'] }],
      ['/v1/lookup', { devices: [{ deviceId: 'd1' }] }],
      ['/v1/registrations/remove', { deregistrations: [{ deviceId: 'd1', connectionId: 'c1' }] }],
    ] as const) {
      const res = await app.inject({ method: 'POST', url, headers: auth, payload });
      expect([res.statusCode, res.json<ErrorBody>().error.code]).toEqual([400, 'invalid_request']);
    }
    const oldRoute = await app.inject({ method: 'GET', url: '/v1/registrations/d1', headers: auth });
    expect(oldRoute.statusCode).toBe(404);
  });

  it('answers 404 not_found with an error body for a device without a live registration', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/accounts/a1/registrations/nobody', headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json<ErrorBody>().error).toMatchObject({ code: 'not_found', retriable: false });
  });

  it('answers 503 store_unavailable, never 404, when the store fails', async () => {
    const failing = new Proxy(store, {
      get: (target, prop) =>
        prop === 'close' ? target.close.bind(target) : () => Promise.reject(new StoreUnavailableError('dynamodb timed out')),
    });
    const broken = build(failing);
    try {
      for (const req of [
        { method: 'GET' as const, url: '/v1/accounts/a1/registrations/d1' },
        { method: 'POST' as const, url: '/v1/lookup', payload: { devices: [a1('d1')] } },
        { method: 'GET' as const, url: '/v1/accounts/a1/registrations' },
        { method: 'POST' as const, url: '/v1/leases/status', payload: { edgeIds: ['e1'] } },
      ]) {
        const res = await broken.inject({ ...req, headers: auth });
        expect(res.statusCode).toBe(503);
        expect(res.json<ErrorBody>().error).toMatchObject({ code: 'store_unavailable', retriable: true });
      }
      const metrics = await broken.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/pushwire_registry_store_errors_total\{[^}]*operation="lookup",error="StoreUnavailableError"[^}]*\} 2/);
    } finally {
      await broken.close();
    }
  });

  it('answers 500 internal for an unexpected failure', async () => {
    const buggy = build({ ...store, lookup: () => Promise.reject(new TypeError('bug')) } as unknown as RegistryStore);
    try {
      const res = await buggy.inject({ method: 'POST', url: '/v1/lookup', headers: auth, payload: { devices: [a1('d1')] } });
      expect(res.statusCode).toBe(500);
      expect(res.json<ErrorBody>().error.code).toBe('internal');
    } finally {
      await buggy.close();
    }
  });

  it('serves health, readiness, metrics and the OpenAPI document without a token', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    await app.inject({ method: 'POST', url: '/v1/lookup', headers: auth, payload: { devices: [a1('d1')] } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    for (const name of [
      'pushwire_registry_http_request_duration_seconds',
      'pushwire_registry_store_operation_duration_seconds',
      'pushwire_registry_store_errors_total',
      'pushwire_registry_register_outcomes_total',
      'pushwire_registry_lookup_devices_total',
    ])
      expect(metrics.body).toContain(name);
    expect(metrics.body).toMatch(/pushwire_registry_lookup_devices_total\{[^}]*result="missing"[^}]*\} 1/);
    expect(metrics.body).toMatch(
      /pushwire_registry_http_request_duration_seconds_count\{[^}]*method="POST",route="\/v1\/lookup",status_code="200"[^}]*\} 1/,
    );

    const openapi = await app.inject({ method: 'GET', url: '/openapi.json' });
    const doc = openapi.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/v1/registrations']).toHaveProperty('post');
    expect(doc.paths['/v1/registrations/remove']).toHaveProperty('post');
    expect(doc.paths['/v1/accounts/{accountId}/registrations/{deviceId}']).toHaveProperty('get');
    expect(doc.paths['/v1/lookup']).toHaveProperty('post');
    expect(doc.paths['/v1/accounts/{accountId}/registrations']).toHaveProperty('get');
    expect(Object.keys(doc.paths['/v1/edges/{edgeId}/lease']!).sort()).toEqual(['delete', 'put']);
    expect(doc.paths['/v1/leases/status']).toHaveProperty('post');
  });

  it('answers 404 not_found for an unknown route', async () => {
    const res = await app.inject({ method: 'GET', url: '/v2/nothing' });
    expect([res.statusCode, res.json<ErrorBody>().error.code]).toEqual([404, 'not_found']);
  });
});

describe('registry HTTP app: service tokens by role', () => {
  const SENDER = 'sender-token-0123456789';
  const EDGE_NEW = 'edge-token-new-0123456789';
  const EDGE_OLD = 'edge-token-old-0123456789';
  let store: MemoryRegistryStore;
  let app: FastifyInstance;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const registration: Registration = {
    deviceId: 'd1',
    accountId: 'a1',
    deviceType: 'tv',
    edgeId: 'e1',
    edgeUrl: 'http://e1:8081',
    connectionId: 'c1',
    connectedAt: Date.now(),
    expiresAt: Math.floor(Date.now() / 1000) + 600,
  };
  /** Every edge-only route, as inject options. */
  const writes = [
    { method: 'POST', url: '/v1/registrations', payload: { registrations: [registration] } },
    { method: 'POST', url: '/v1/registrations/remove', payload: { deregistrations: [{ deviceId: 'd1', connectionId: 'c1' }] } },
    { method: 'PUT', url: '/v1/edges/e1/lease', payload: { edgeUrl: 'http://e1:8081', ttlSeconds: 10 } },
    { method: 'DELETE', url: '/v1/edges/e1/lease' },
    { method: 'POST', url: '/v1/leases/status', payload: { edgeIds: ['e1'] } },
  ] as const;

  beforeEach(async () => {
    store = new MemoryRegistryStore({ sweepIntervalMs: 0 });
    app = buildRegistryApp({
      store,
      serviceTokens: { sender: [SENDER], edge: [EDGE_NEW, EDGE_OLD] },
      logger: silentLogger(),
      metricsRegistry: createMetricsRegistry('registry', false),
    });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await store.close();
  });

  it('answers a sender token 403 forbidden on every route and lease write, touching nothing', async () => {
    for (const request of writes) {
      const res = await app.inject({ ...request, headers: as(SENDER) });
      expect([request.url, res.statusCode, res.json<ErrorBody>().error.code]).toEqual([request.url, 403, 'forbidden']);
    }
    expect(await store.readLeases(['e1'])).toEqual([]);
  });

  it('takes both edge tokens (rotation) for writes, and sender and edge tokens for lookups', async () => {
    for (const token of [EDGE_NEW, EDGE_OLD]) {
      expect((await app.inject({ ...writes[2], headers: as(token) })).statusCode).toBe(200);
      expect((await app.inject({ ...writes[0], headers: as(token) })).statusCode).toBe(200);
    }
    for (const token of [SENDER, EDGE_OLD]) {
      const res = await app.inject({ method: 'POST', url: '/v1/lookup', headers: as(token), payload: { devices: [a1('d1')] } });
      expect([res.statusCode, res.json<{ registrations: Registration[] }>().registrations.map((r) => r.deviceId)]).toEqual([200, ['d1']]);
    }
  });

  it('answers an unknown token 401, whatever the route, and takes the scheme in any case', async () => {
    expect((await app.inject({ ...writes[0], headers: as('edge-token-unknown-0123456789') })).statusCode).toBe(401);
    const lower = await app.inject({ method: 'GET', url: '/v1/registrations/d1', headers: { authorization: `bearer ${SENDER}` } });
    expect(lower.statusCode).toBe(404); // authenticated: the device simply has no route
  });
});
