import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaEventBus, type BusMessage, type ConsumedRecord, type EventBus, type Subscription } from '@pushwire/event-bus';
import { startInfra, stopKafka, type RunningInfra } from '@pushwire/infra';
import { Topics, Validators } from '@pushwire/protocol';
import { waitFor } from '@pushwire/test-kit';
import { PushClient, PushClientError } from '../src';

// Enqueue during a real broker outage (issue 13, item 7). The broker is this file's own (stopped and
// restarted here), never the shared one.

const topic = Topics.pushRequests.normal;
const target = { accountId: 'acct-outage', deviceId: 'tv-1' };

/** The Kafka bus, with its publish calls counted: a test waits for an attempt to be under way. */
class CountingBus implements EventBus {
  publishes = 0;
  constructor(private readonly inner: KafkaEventBus) {}
  ensureTopics: EventBus['ensureTopics'] = (t) => this.inner.ensureTopics(t);
  publish = (t: string, messages: readonly BusMessage[]) => {
    this.publishes++;
    return this.inner.publish(t, messages);
  };
  subscribe: EventBus['subscribe'] = (o) => this.inner.subscribe(o);
  close = () => this.inner.close();
}

let infra: RunningInfra;
let bus: CountingBus;
let client: PushClient;
let subscription: Subscription;
const records: ConsumedRecord[] = [];

beforeAll(async () => {
  infra = await startInfra({ kafka: true, dynamodb: false });
  bus = new CountingBus(
    new KafkaEventBus({ brokers: [infra.kafkaBrokers!], clientId: `push-client-outage-${randomUUID()}`, logLevel: logLevel.NOTHING }),
  );
  await bus.ensureTopics([{ name: topic, partitions: 1 }]);
  subscription = await bus.subscribe({
    groupId: `push-client-outage-${randomUUID()}`,
    topics: [topic],
    handler: async (batch) => void records.push(...batch),
  });
  client = new PushClient({ registryUrl: 'http://127.0.0.1:9', serviceToken: 'unused', bus });
});

afterAll(async () => {
  await client?.close();
  await subscription?.stop().catch(() => undefined); // the broker is down by then
  await bus?.close().catch(() => undefined);
  await infra?.stop();
});

const messageIds = () => records.map((r) => Validators.pushRequestRecord.decode(JSON.parse(r.value)).message.id);

/** Records on the topic's one partition (its high watermark): a record written twice counts twice. */
async function recordsOnTopic(): Promise<number> {
  const admin = new Kafka({ clientId: 'push-client-outage-admin', brokers: [infra.kafkaBrokers!], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const partitions = await admin.fetchTopicOffsets(topic);
    return partitions.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('enqueue while the Kafka broker is down', () => {
  it('resolves once the broker is back within the deadline, with exactly one record on the topic', async () => {
    await client.enqueue(target, 'before'); // the producer is connected when the broker goes
    await waitFor(() => records.length === 1, { what: 'the first record consumed', timeoutMs: 30_000 });

    const outage = await stopKafka(infra);
    const started = Date.now();
    bus.publishes = 0;
    const enqueued = client.enqueue(target, 'during the outage', { id: 'outage-1', enqueueTimeoutMs: 60_000 });
    await waitFor(() => bus.publishes >= 1, { what: 'a publish attempt under way', timeoutMs: 5_000 });
    await outage.restart();
    const backAfterMs = Date.now() - started;

    await expect(enqueued).resolves.toEqual({ messageId: 'outage-1', topic });
    const resolvedAfterMs = Date.now() - started;
    console.log(
      `broker ${outage.how} and restarted: back after ${backAfterMs} ms; enqueue resolved after ${resolvedAfterMs} ms, ${bus.publishes} publish attempt(s)`,
    );
    await waitFor(() => records.length >= 2, { what: 'the outage record consumed', timeoutMs: 60_000 });
    expect(messageIds()).toEqual([expect.any(String), 'outage-1']);
    expect(await recordsOnTopic()).toBe(2);
  });

  it('resolves within the default deadline when the broker hangs (paused) for 3 s, writing the record once', async () => {
    const pid = infra.state.kafka!.pid;
    bus.publishes = 0;
    process.kill(pid, 'SIGSTOP'); // connections stay open; requests get no answer
    const started = Date.now();
    const resume = setTimeout(() => process.kill(pid, 'SIGCONT'), 3_000); // the length of the fault, not a wait for something
    try {
      await expect(client.enqueue(target, 'while paused', { id: 'paused-1' })).resolves.toEqual({ messageId: 'paused-1', topic });
    } finally {
      clearTimeout(resume);
      process.kill(pid, 'SIGCONT');
    }
    console.log(`broker paused for 3 s: enqueue resolved after ${Date.now() - started} ms, ${bus.publishes} publish attempt(s)`);
    await waitFor(() => records.length >= 3, { what: 'the record written while paused consumed', timeoutMs: 60_000 });
    expect(messageIds()).toEqual([expect.any(String), 'outage-1', 'paused-1']);
    expect(await recordsOnTopic()).toBe(3);
  });

  it('rejects with a retriable `unavailable` naming the deadline when the broker stays down past it', async () => {
    await stopKafka(infra, 'SIGKILL');
    const started = Date.now();

    const error = await client.enqueue(target, 'never', { id: 'lost-1' }).catch((e: unknown) => e);

    const tookMs = Date.now() - started;
    console.log(`broker down: enqueue rejected after ${tookMs} ms (default deadline 10 000 ms): ${(error as Error).message}`);
    expect(error).toBeInstanceOf(PushClientError);
    expect(error).toMatchObject({ code: 'unavailable', retriable: true });
    expect((error as Error).message).toContain('within the enqueue deadline of 10000 ms');
    expect((error as Error).message).toContain('lost-1');
    expect(tookMs).toBeLessThan(12_000); // the deadline holds however kafkajs retries inside one attempt
  });
});
