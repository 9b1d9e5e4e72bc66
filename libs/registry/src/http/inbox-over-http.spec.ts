import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ErrorBody, InboxEntry } from '@pushwire/protocol';
import { HttpInboxClient } from '@pushwire/registry-client';
import { ServiceCallError } from '@pushwire/service-http';
import { RawHttpConnection } from '@pushwire/service-http/testing';
import { createMetricsRegistry, silentLogger } from '@pushwire/service-kit';
import { rejectionOf } from '@pushwire/test-kit';
import { MemoryInboxStore } from '../inbox/memory-inbox-store';
import { MemoryRegistryStore } from '../memory-registry-store';
import { ManualClock } from '../testing';
import { buildRegistryApp } from './registry-app';

// HttpInboxClient against the registry app on a real socket, with a token per role: what the
// processor (sender) and an edge see of /v1/inbox, hostile input included.
const SENDER = 'inbox-sender-token-0123456789';
const EDGE = 'inbox-edge-token-0123456789';
const failure = (p: Promise<unknown>) => rejectionOf(p, ServiceCallError);

describe('the /v1/inbox routes on a real socket', () => {
  let clock: ManualClock;
  let inbox: MemoryInboxStore;
  let app: FastifyInstance;
  let port: number;
  let sender: HttpInboxClient;
  let edge: HttpInboxClient;
  let seq = 0;
  const entry = (deviceId = 'd1', payload: unknown = { n: seq }): InboxEntry => ({
    target: { accountId: 'a1', deviceId },
    message: { id: `m${++seq}`, payload },
    enqueuedAt: clock.now(),
    expiresAt: clock.now() + 60_000,
    storedAt: clock.now(),
    source: 'queued',
    attempts: 1,
  });
  const post = (path: string, token: string, body: unknown) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeEach(async () => {
    clock = new ManualClock();
    inbox = new MemoryInboxStore({ now: clock.now, sweepIntervalMs: 0, maxMessages: 3 });
    app = buildRegistryApp({
      store: new MemoryRegistryStore({ sweepIntervalMs: 0 }),
      inbox,
      serviceTokens: { sender: [SENDER], edge: [EDGE] },
      logger: silentLogger(),
      metricsRegistry: createMetricsRegistry('registry', false),
      inboxStoreBodyLimitBytes: 64 * 1024,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    sender = new HttpInboxClient({ baseUrl: `http://127.0.0.1:${port}`, serviceToken: SENDER });
    edge = new HttpInboxClient({ baseUrl: `http://127.0.0.1:${port}`, serviceToken: EDGE });
  });
  afterEach(async () => {
    await sender.close();
    await edge.close();
    await app.close();
    await inbox.close();
  });

  it('lets a sender store, an edge read and remove once, and a sender take what expired, counting each', async () => {
    const [a, b, c, d] = [entry(), entry(), entry('d2'), entry()];
    const full = entry();
    expect((await sender.store([a!, b!, c!, d!, full])).map((r) => r.outcome)).toEqual([
      'stored',
      'stored',
      'stored',
      'stored',
      'overflow',
    ]);
    expect(await edge.pending([{ accountId: 'a1', deviceId: 'd1' }])).toEqual([
      { accountId: 'a1', deviceId: 'd1', entries: [a, b, d], more: false },
    ]);
    const item = { accountId: 'a1', deviceId: 'd1', messageId: a!.message.id };
    const [first, second] = await Promise.all([edge.remove([item]), sender.remove([item])]);
    expect([first, second].flat().filter((r) => r.entry)).toEqual([{ ...item, entry: a }]);
    clock.advance(60_000);
    expect((await sender.takeExpired(10)).map((e) => e.message.id).sort()).toEqual([b, c, d].map((e) => e!.message.id).sort());

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/pushwire_registry_inbox_store_outcomes_total\{[^}]*outcome="stored"[^}]*\} 4/);
    expect(metrics).toMatch(/pushwire_registry_inbox_store_outcomes_total\{[^}]*outcome="overflow"[^}]*\} 1/);
    expect(metrics).toMatch(/pushwire_registry_inbox_removes_total\{[^}]*result="taken"[^}]*\} 1/);
    expect(metrics).toMatch(/pushwire_registry_inbox_removes_total\{[^}]*result="absent"[^}]*\} 1/);
    expect(metrics).toMatch(/pushwire_registry_inbox_expired_taken_total\S* 3/);
    expect(metrics).toMatch(/pushwire_registry_store_operation_duration_seconds_count\{[^}]*operation="inbox.store"[^}]*\} 1/);
  });

  it("refuses a sender's token on reading an inbox (403), and any unknown token (401), with JSON bodies", async () => {
    expect(await failure(sender.pending([{ accountId: 'a1', deviceId: 'd1' }]))).toMatchObject({
      code: 'forbidden',
      status: 403,
      retriable: false,
    });
    const res = await post('/v1/inbox/store', 'nobody-token-0123456789', { entries: [entry()] });
    expect([res.status, ((await res.json()) as ErrorBody).error.code]).toEqual([401, 'unauthorized']);
  });

  it('answers input off the schema 400 naming the field, touching nothing', async () => {
    const deep: unknown = Array.from({ length: 40 }).reduce<unknown>((inner) => [inner], 1);
    for (const [body, path] of [
      [{ entries: [entry(), { ...entry(), target: { accountId: 'a1', deviceId: 'bad id' } }] }, 'body/entries/1/target/deviceId'],
      [{ entries: Array.from({ length: 101 }, () => entry()) }, 'body/entries'],
      [{ entries: [entry('d1', deep)] }, '/entries/0/message/payload'],
      [{ entries: [{ ...entry(), extra: 1 }] }, 'body/entries/0/extra'],
    ] as const) {
      const res = await post('/v1/inbox/store', SENDER, body);
      const { error } = (await res.json()) as ErrorBody;
      expect({ status: res.status, code: error.code }).toEqual({ status: 400, code: 'invalid_request' });
      expect(JSON.stringify(error)).toContain(path);
    }
    const expired = await post('/v1/inbox/expired', SENDER, { limit: 101 });
    expect(expired.status).toBe(400);
    expect(await edge.pending([{ accountId: 'a1', deviceId: 'd1' }])).toEqual([]);
  });

  it('answers a store body over its limit 413 with our JSON body and keeps the connection', async () => {
    const body = JSON.stringify({ entries: [entry('d1', 'x'.repeat(70 * 1024))] });
    const conn = await RawHttpConnection.open(port);
    await conn.write(
      `POST /v1/inbox/store HTTP/1.1\r\nHost: r\r\nAuthorization: Bearer ${SENDER}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    const answer = await conn.response();
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    conn.close();
    // Under the limit, the same route takes a payload larger than other routes would.
    expect((await sender.store([entry('d1', 'y'.repeat(40 * 1024))])).map((r) => r.outcome)).toEqual(['stored']);
  });

  it('answers 503 store_unavailable (retriable) when the inbox store fails, never an empty answer', async () => {
    await inbox.close();
    for (const call of [
      () => sender.store([entry()]),
      () => edge.pending([{ accountId: 'a1', deviceId: 'd1' }]),
      () => edge.remove([{ accountId: 'a1', deviceId: 'd1', messageId: 'm1' }]),
      () => sender.takeExpired(5),
    ]) {
      expect(await failure(call())).toMatchObject({ code: 'store_unavailable', status: 503, retriable: true });
    }
  });

  it('documents the four routes in the OpenAPI', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    for (const route of ['store', 'pending', 'remove', 'expired']) expect(doc.paths[`/v1/inbox/${route}`]).toHaveProperty('post');
  });
});

describe('the registry app without an inbox given', () => {
  it('serves one of its own in memory, closed with the app', async () => {
    const app = buildRegistryApp({
      store: new MemoryRegistryStore({ sweepIntervalMs: 0 }),
      serviceToken: SENDER,
      logger: silentLogger(),
      metricsRegistry: createMetricsRegistry('registry', false),
    });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/inbox/pending',
      headers: { authorization: `Bearer ${SENDER}` },
      payload: { devices: [{ accountId: 'a1', deviceId: 'd1' }] },
    });
    expect([res.statusCode, res.json()]).toEqual([200, { inboxes: [] }]);
    await app.close();
  });
});
