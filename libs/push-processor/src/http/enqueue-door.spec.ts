import { EventBusError, MemoryEventBus, type BusMessage, type EventBus } from '@pushwire/event-bus';
import { Inbox } from '@pushwire/event-bus/testing';
import { Topics } from '@pushwire/protocol';
import { PushClient } from '@pushwire/push-client';
import { createMetricsRegistry, silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import type { FastifyInstance } from 'fastify';
import { buildProcessorApp } from './processor-app';

// POST /v1/push-requests while Kafka is down (issue 13, item 7): the push client behind it keeps
// trying within its enqueue deadline, so a short outage is a slower 202, and a longer one a
// retriable 503 queue_unavailable once the deadline has passed — never a 500, never a hang.

const TOKEN = 'processor-door-token-0123456789';
const DEADLINE_MS = 300;

/** The in-memory bus, down while `down` is set (every publish refused as a broker outage would be). */
class FlakyBus implements EventBus {
  down = false;
  attempts = 0;
  constructor(readonly inner: MemoryEventBus) {}
  ensureTopics: EventBus['ensureTopics'] = (t) => this.inner.ensureTopics(t);
  publish = async (topic: string, messages: readonly BusMessage[]) => {
    this.attempts++;
    if (this.down) throw new EventBusError(`publish ${messages.length} record(s) to ${topic} failed on Kafka: connect ECONNREFUSED`);
    return this.inner.publish(topic, messages);
  };
  subscribe: EventBus['subscribe'] = (o) => this.inner.subscribe(o);
  close = () => this.inner.close();
}

describe('POST /v1/push-requests during a bus outage', () => {
  let bus: FlakyBus;
  let client: PushClient;
  let app: FastifyInstance;
  let baseUrl: string;
  const queued = new Inbox();

  beforeAll(async () => {
    bus = new FlakyBus(new MemoryEventBus());
    await bus.ensureTopics([{ name: Topics.pushRequests.normal, partitions: 1 }]);
    await bus.subscribe({ groupId: 'door-outage-spec', topics: [Topics.pushRequests.normal], handler: queued.handler });
    client = new PushClient({ registryUrl: 'http://127.0.0.1:9', serviceToken: TOKEN, bus, enqueueTimeoutMs: DEADLINE_MS });
    app = buildProcessorApp({
      serviceToken: TOKEN,
      bus,
      logger: silentLogger(),
      metricsRegistry: createMetricsRegistry('door-outage-spec'),
      maxMessageBytes: 65_536,
      enqueue: (target, message) => client.enqueue(target, message.payload, { id: message.id }),
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

  const enqueue = async (id: string) => {
    const res = await fetch(`${baseUrl}/v1/push-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target: { accountId: 'a1', deviceId: 'tv-1' }, message: { id, payload: { n: 1 } } }),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, any> };
  };

  it('answers 503 queue_unavailable, retriable with Retry-After, once the bus stayed down past the enqueue deadline', async () => {
    bus.down = true;
    bus.attempts = 0;

    const answer = await enqueue('m-down');

    expect(answer).toMatchObject({ status: 503, retryAfter: '1', body: { error: { code: 'queue_unavailable', retriable: true } } });
    expect(answer.body['error'].message).toContain(`within the enqueue deadline of ${DEADLINE_MS} ms`);
    expect(answer.body['error'].message).toContain('m-down');
    expect(bus.attempts).toBeGreaterThan(1); // it kept trying before answering
  });

  it('answers 202 when the bus comes back within the deadline, with the message queued once', async () => {
    bus.down = true;
    bus.attempts = 0;
    const answer = enqueue('m-back');
    await waitFor(() => bus.attempts >= 1, { what: 'a refused publish attempt', timeoutMs: DEADLINE_MS });
    bus.down = false;

    expect(await answer).toMatchObject({ status: 202, body: { messageId: 'm-back' } });
    const records = await queued.until(1);
    expect(records.map((r) => JSON.parse(r.value).message.id)).toEqual(['m-back']);
  });
});
