import type { InboxEntry } from '@pushwire/protocol';
import { serviceCallFailure as failure, StubService, unusedUrl, type StubRequest } from '@pushwire/service-http/testing';
import { HttpInboxClient } from './http-inbox-client';

// A stub registry on a real socket: each test decides the answers; every request is recorded.
const TOKEN = 'test-service-token-0123456789';
const stub = StubService.forTests();
const seen: StubRequest[] = stub.requests;
let client: HttpInboxClient;

beforeEach(() => {
  client = new HttpInboxClient({ baseUrl: stub.url, serviceToken: TOKEN, timeoutMs: 2000 });
});
afterEach(() => client.close());

const dev = (deviceId: string) => ({ accountId: 'acct-1', deviceId });
const entry = (id: string, deviceId = 'd1'): InboxEntry => ({
  target: dev(deviceId),
  message: { id, payload: { id } },
  enqueuedAt: 1_700_000_000_000,
  expiresAt: 1_700_000_600_000,
  storedAt: 1_700_000_000_001,
  source: 'queued',
  attempts: 1,
});

describe('HttpInboxClient', () => {
  it('calls the four /v1/inbox routes with the service token and returns the validated answers', async () => {
    stub.answer = (req) => {
      switch (req.url) {
        case '/v1/inbox/store':
          return { status: 200, body: { results: [{ messageId: 'm1', outcome: 'stored' }] } };
        case '/v1/inbox/pending':
          return { status: 200, body: { inboxes: [{ ...dev('d1'), entries: [entry('m1')], more: false }] } };
        case '/v1/inbox/remove':
          return { status: 200, body: { results: [{ ...dev('d1'), messageId: 'm1', entry: entry('m1') }] } };
        default:
          return { status: 200, body: { entries: [entry('m2')] } };
      }
    };
    expect(await client.store([entry('m1')])).toEqual([{ messageId: 'm1', outcome: 'stored' }]);
    expect(await client.pending([dev('d1')])).toEqual([{ ...dev('d1'), entries: [entry('m1')], more: false }]);
    expect(await client.remove([{ ...dev('d1'), messageId: 'm1' }])).toEqual([{ ...dev('d1'), messageId: 'm1', entry: entry('m1') }]);
    expect(await client.takeExpired(7)).toEqual([entry('m2')]);
    expect(seen.map((s) => [s.method, s.url, s.authorization, s.body])).toEqual([
      ['POST', '/v1/inbox/store', `Bearer ${TOKEN}`, { entries: [entry('m1')] }],
      ['POST', '/v1/inbox/pending', `Bearer ${TOKEN}`, { devices: [dev('d1')] }],
      ['POST', '/v1/inbox/remove', `Bearer ${TOKEN}`, { items: [{ ...dev('d1'), messageId: 'm1' }] }],
      ['POST', '/v1/inbox/expired', `Bearer ${TOKEN}`, { limit: 7 }],
    ]);
  });

  it('stores more than one batch in requests of 100 in order, and answers in request order', async () => {
    stub.answer = (req) => {
      const entries = (req.body as { entries: InboxEntry[] }).entries;
      return { status: 200, body: { results: entries.map((e) => ({ messageId: e.message.id, outcome: 'stored' })) } };
    };
    const entries = Array.from({ length: 230 }, (_, i) => entry(`m${i}`));
    expect((await client.store(entries)).map((r) => r.messageId)).toEqual(entries.map((e) => e.message.id));
    expect(seen.map((s) => (s.body as { entries: unknown[] }).entries.length)).toEqual([100, 100, 30]);
  });

  it('makes no request for empty calls', async () => {
    stub.answer = () => ({ status: 500 });
    expect(await client.store([])).toEqual([]);
    expect(await client.pending([])).toEqual([]);
    expect(await client.remove([])).toEqual([]);
    expect(seen).toHaveLength(0);
  });

  it('fails retriably on 503 and when the registry cannot be reached, not on 400 or an answer off the schema', async () => {
    stub.answer = () => ({ status: 503, body: { error: { code: 'store_unavailable', message: 'dynamodb timed out', retriable: true } } });
    expect(await failure(client.remove([{ ...dev('d1'), messageId: 'm1' }]))).toMatchObject({ code: 'store_unavailable', retriable: true });
    stub.answer = () => ({ status: 400, body: { error: { code: 'invalid_request', message: 'body/limit', retriable: false } } });
    expect(await failure(client.takeExpired(1000))).toMatchObject({ code: 'invalid_request', retriable: false });
    stub.answer = () => ({ status: 200, body: { inboxes: [{ ...dev('d1'), entries: [] }] } });
    expect(await failure(client.pending([dev('d1')]))).toMatchObject({ code: 'invalid_response', retriable: false });
    const offline = new HttpInboxClient({ baseUrl: await unusedUrl(), serviceToken: TOKEN });
    try {
      expect(await failure(offline.store([entry('m1')]))).toMatchObject({ code: 'unreachable', retriable: true });
    } finally {
      await offline.close();
    }
  });
});
