import { Inbox } from '@pushwire/event-bus/testing';
import { Topics } from '@pushwire/protocol';
import { startTestService, stopTestService, type TestService } from '../testing/test-service';

// The message processor's HTTP door as a sender meets it: the real service on a real socket, over
// the in-memory bus. A message no retry can mend is the sender's 400 (or 413), never a retriable
// 503 a client would retry forever; nothing of it reaches the queue (issue 12, items 10 and 12).

const TOKEN = 'processor-door-token-0123456789';

describe('POST /v1/push-requests refuses what can never be delivered', () => {
  let t: TestService;
  let baseUrl: string;
  const queued = new Inbox();

  beforeAll(async () => {
    // No registry: the one message this spec lets through is stored in the in-memory inbox after its first attempt.
    t = await startTestService(TOKEN);
    baseUrl = t.baseUrl;
    // What reaches the queue, read by a group of its own beside the processor's.
    await t.bus.subscribe({ groupId: 'door-spec', topics: [Topics.pushRequests.normal], handler: queued.handler });
  });
  afterAll(() => stopTestService(t));

  const enqueue = async (body: string) => {
    const res = await fetch(`${baseUrl}/v1/push-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, any> };
  };
  const request = (payload: string, extra = '') =>
    `{"target":{"accountId":"a1","deviceId":"tv-1"},"message":{"id":"m-1","payload":${payload}${extra}}}`;
  const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  it('answers a payload nested 5,000 deep 400 invalid_request, not retriable, without Retry-After', async () => {
    const answer = await enqueue(request(nested(5_000)));
    expect(answer).toMatchObject({ status: 400, retryAfter: null, body: { error: { code: 'invalid_request', retriable: false } } });
  });

  it('answers a payload within the document limit but past the payload limit 400 as well', async () => {
    const answer = await enqueue(request(nested(40)));
    expect(answer).toMatchObject({ status: 400, retryAfter: null, body: { error: { code: 'invalid_request', retriable: false } } });
    expect(answer.body['error'].message).toContain('/payload nests arrays and objects deeper than 32 levels');
  });

  it('answers a 900 KB payload, which can never fit a 64 KiB device frame, 413 up front', async () => {
    const answer = await enqueue(request(JSON.stringify('x'.repeat(900 * 1024))));
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large', retriable: false } } });
    expect(answer.body['error'].message).toContain('can never fit a device frame of at most 65536 bytes');
  });

  it('refuses a createdAt that is no time or lies far ahead, and queues the createdAt a sender gives', async () => {
    expect((await enqueue(request('1', ',"createdAt":1e308'))).status).toBe(400);
    const ahead = await enqueue(request('1', `,"createdAt":${Date.now() + 3_600_000}`));
    expect(ahead).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', retriable: false } } });
    expect(ahead.body['error'].message).toContain('ahead of the clock');
    expect(queued.records).toEqual([]); // nothing refused so far reached the queue

    const createdAt = Date.now() - 5_000;
    expect((await enqueue(request('{"n":1}', `,"createdAt":${createdAt},"ttlSeconds":60`))).status).toBe(202);
    const [record] = await queued.until(1);
    expect(JSON.parse(record!.value)).toMatchObject({ message: { id: 'm-1', createdAt, ttlSeconds: 60 } });
  });
});
