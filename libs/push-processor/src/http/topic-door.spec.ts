import { EventBusError, MemoryEventBus, type BusMessage, type RecordPosition } from '@pushwire/event-bus';
import { TOPIC_LOG, topicEpochOf } from '@pushwire/protocol';
import { PushClient } from '@pushwire/push-client';
import { createMetricsRegistry, silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import { topicLogRecords } from '@pushwire/push-client/testing';
import type { FastifyInstance } from 'fastify';
import { startTestService, stopTestService, type TestService } from '../testing/test-service';
import { buildProcessorApp } from './processor-app';

// Topics and broadcast through the message processor's HTTP door, as a sender meets it: the real
// service on a real socket over the in-memory bus. The answer is the message's place in the topic
// log; what no retry can mend is a 400 (or 413), a bus that stays down a retriable 503.

const TOKEN = 'processor-topic-door-token-0123456789';

interface Answer {
  status: number;
  retryAfter: string | null;
  body: Record<string, any>;
}

async function post(baseUrl: string, path: string, body: unknown, token = TOKEN): Promise<Answer> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, any> };
}

describe('POST /v1/topics/:topic/messages and /v1/broadcasts', () => {
  let t: TestService;
  let epoch: string;

  beforeAll(async () => {
    t = await startTestService(TOKEN);
    epoch = topicEpochOf(await t.bus.logId());
  });
  afterAll(() => stopTestService(t));

  const logRecords = () => topicLogRecords(t.bus);

  it('publishes: 200 with the topic, id, a growing offset and the epoch, the record in the one-partition topic log', async () => {
    const first = await post(t.baseUrl, '/v1/topics/live:m1/messages', { payload: { score: '1-0' }, id: 'm-1' });
    const second = await post(t.baseUrl, '/v1/topics/live:m1/messages', { payload: { score: '2-0' }, ttlSeconds: 60, priority: 'high' });
    const broadcast = await post(t.baseUrl, '/v1/broadcasts', { payload: { x: 1 }, deviceTypes: ['tv'] });

    expect(first).toMatchObject({ status: 200, body: { topic: 'live:m1', id: 'm-1', epoch } });
    expect(second).toMatchObject({ status: 200, body: { topic: 'live:m1', id: expect.any(String), epoch } });
    expect(broadcast).toMatchObject({ status: 200, body: { id: expect.any(String), epoch } });
    expect(second.body['offset']).toBeGreaterThan(first.body['offset']);
    expect(broadcast.body['offset']).toBeGreaterThan(second.body['offset']);
    expect(Object.keys(broadcast.body).sort()).toEqual(['epoch', 'id', 'offset']);

    const records = await logRecords();
    expect(records.every((r) => r.partition === 0)).toBe(true);
    expect(records.map((r) => [r.key, JSON.parse(r.value).kind])).toEqual([
      ['live:m1', 'topic'],
      ['live:m1', 'topic'],
      ['$broadcast', 'broadcast'],
    ]);
    expect(JSON.parse(records[1]!.value)).toMatchObject({ ttlSeconds: 60, priority: 'high', payload: { score: '2-0' } });
    expect(JSON.parse(records[2]!.value)).toMatchObject({ deviceTypes: ['tv'] });
  });

  it('counts what it appended in pushwire_processor_topic_publishes_total{kind}', async () => {
    await post(t.baseUrl, '/v1/broadcasts', { payload: 'counted' });
    await post(t.baseUrl, '/v1/topics/t1/messages', { payload: 'counted' });
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^pushwire_processor_topic_publishes_total\{kind="topic",service="message-processor"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^pushwire_processor_topic_publishes_total\{kind="broadcast",service="message-processor"\} [1-9]\d*$/m);
  });

  it.each([
    ['a topic starting with $', '/v1/topics/%24type%3Atv/messages', { payload: 1 }],
    ['a topic with a space', '/v1/topics/live%20m1/messages', { payload: 1 }],
    ['no payload', '/v1/topics/t1/messages', { id: 'm-1' }],
    ['a TTL of 0', '/v1/topics/t1/messages', { payload: 1, ttlSeconds: 0 }],
    ['an unknown field', '/v1/topics/t1/messages', { payload: 1, collapseKey: 'k' }],
    ['a payload nested 40 deep', '/v1/topics/t1/messages', `{"payload":${'['.repeat(40)}${']'.repeat(40)}}`],
    ['an empty device type list', '/v1/broadcasts', { payload: 1, deviceTypes: [] }],
    ['a priority on a broadcast', '/v1/broadcasts', { payload: 1, priority: 'high' }],
  ])('answers %s 400 invalid_request with the JSON error body, appending nothing', async (_what, path, body) => {
    const before = (await logRecords()).length;
    const answer = await post(t.baseUrl, path, body);
    expect(answer).toMatchObject({ status: 400, retryAfter: null, body: { error: { code: 'invalid_request', retriable: false } } });
    expect((await logRecords()).length).toBe(before);
  });

  it('answers a payload no device frame can hold 413 payload_too_large, and a missing token 401', async () => {
    const huge = await post(t.baseUrl, '/v1/topics/t1/messages', { payload: 'x'.repeat(100 * 1024) });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    expect(huge.body['error'].message).toContain('can never fit a device frame of at most 65536 bytes');
    expect((await post(t.baseUrl, '/v1/broadcasts', { payload: 'x'.repeat(100 * 1024) })).status).toBe(413);
    expect((await post(t.baseUrl, '/v1/broadcasts', { payload: 1 }, 'not-the-token-0123456789')).status).toBe(401);
  });

  it('describes both routes in its OpenAPI document', async () => {
    const doc = (await (await fetch(`${t.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, any>> };
    const publish = doc.paths['/v1/topics/{topic}/messages']?.['post'];
    const broadcast = doc.paths['/v1/broadcasts']?.['post'];
    expect(Object.keys(publish?.['responses'] ?? {})).toEqual(expect.arrayContaining(['200', '400', '413', '503']));
    expect(Object.keys(broadcast?.['responses'] ?? {})).toEqual(expect.arrayContaining(['200', '400', '413', '503']));
    expect(publish?.['requestBody']).toBeDefined();
  });
});

describe('POST /v1/topics/:topic/messages during a bus outage', () => {
  const DEADLINE_MS = 300;

  /** The in-memory bus whose log refuses every append while `down`, as a broker outage would. */
  class FlakyLog extends MemoryEventBus {
    down = false;
    appends = 0;
    override async append(topic: string, messages: readonly BusMessage[]): Promise<RecordPosition[]> {
      this.appends++;
      if (this.down) throw new EventBusError(`append to ${topic} failed on Kafka: connect ECONNREFUSED`);
      return super.append(topic, messages);
    }
  }
  let bus: FlakyLog;
  let client: PushClient;
  let app: FastifyInstance;
  let baseUrl: string;

  beforeAll(async () => {
    bus = new FlakyLog();
    await bus.ensureTopics([{ name: TOPIC_LOG, partitions: 1 }]);
    client = new PushClient({ registryUrl: 'http://127.0.0.1:9', serviceToken: TOKEN, bus, enqueueTimeoutMs: DEADLINE_MS });
    app = buildProcessorApp({
      serviceToken: TOKEN,
      bus,
      logger: silentLogger(),
      metricsRegistry: createMetricsRegistry('topic-door-outage-spec'),
      maxMessageBytes: 65_536,
      enqueue: () => Promise.reject(new Error('not in this spec')),
      publish: (topic, { payload, ...options }) => client.publish(topic, payload, options),
      broadcast: ({ payload, ...options }) => client.broadcast(payload, options),
    });
    baseUrl = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await client.close();
    await bus.close();
  });

  it('answers 503 queue_unavailable, retriable with Retry-After, once the log stayed down past the deadline', async () => {
    bus.down = true;
    const answer = await post(baseUrl, '/v1/topics/live:m1/messages', { payload: 1, id: 'm-down' });
    expect(answer).toMatchObject({ status: 503, retryAfter: '1', body: { error: { code: 'queue_unavailable', retriable: true } } });
    expect(answer.body['error'].message).toContain('m-down');
    expect(bus.appends).toBeGreaterThan(1);
  });

  it('answers 200 when the log comes back within the deadline', async () => {
    bus.down = true;
    bus.appends = 0;
    const answer = post(baseUrl, '/v1/broadcasts', { payload: 1, id: 'b-back' });
    await waitFor(() => bus.appends >= 1, { what: 'a refused append', timeoutMs: DEADLINE_MS });
    bus.down = false;
    expect(await answer).toMatchObject({ status: 200, body: { id: 'b-back', offset: 1 } });
  });
});
