/**
 * publish / broadcast on a real Kafka broker (the shared one, KAFKA_BROKERS): two clients, each with
 * its own KafkaEventBus, as two backends publish. Every answer is the record's place in the one
 * partition of the topic log, so offsets increase across both clients, and the epoch (from the
 * cluster id) is the same for both.
 */
import { randomUUID } from 'node:crypto';
import { logLevel } from 'kafkajs';
import { KafkaEventBus, type BusMessage, type EventBus, type EventLog, type TailOptions, type TopicSpec } from '@pushwire/event-bus';
import { kafkaBrokersFromEnv } from '@pushwire/infra/testing';
import { TOPIC_LOG, topicEpochOf } from '@pushwire/protocol';
import { PushClient } from '../src';
import { topicLogRecords } from '../src/testing';

const run = randomUUID().slice(0, 8);

/**
 * The broker is shared with other runs and the topic log's name is fixed: this bus gives every
 * topic it touches a prefix of this run's own, so the log starts empty here and its offsets are
 * this spec's alone.
 */
class PrefixedLog implements EventBus, EventLog {
  constructor(
    readonly inner: KafkaEventBus,
    private readonly prefix: string,
  ) {}
  ensureTopics = (topics: readonly TopicSpec[]) => this.inner.ensureTopics(topics.map((t) => ({ ...t, name: this.prefix + t.name })));
  publish = (topic: string, messages: readonly BusMessage[]) => this.inner.publish(this.prefix + topic, messages);
  subscribe: EventBus['subscribe'] = (o) => this.inner.subscribe({ ...o, topics: o.topics.map((t) => this.prefix + t) });
  logId = () => this.inner.logId();
  append = (topic: string, messages: readonly BusMessage[]) => this.inner.append(this.prefix + topic, messages);
  tail = (o: TailOptions) => this.inner.tail({ ...o, topic: this.prefix + o.topic });
  close = () => this.inner.close();
}

const buses: PrefixedLog[] = [];
const clients: PushClient[] = [];

function busAndClient(): { bus: PrefixedLog; client: PushClient } {
  const kafka = new KafkaEventBus({ brokers: kafkaBrokersFromEnv(), clientId: `push-client-topics-${run}`, logLevel: logLevel.NOTHING });
  const bus = new PrefixedLog(kafka, `test-${run}.`);
  const client = new PushClient({ registryUrl: 'http://127.0.0.1:9', serviceToken: 'unused', bus });
  buses.push(bus);
  clients.push(client);
  return { bus, client };
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(buses.map((b) => b.close()));
});

describe('publish and broadcast on Kafka', () => {
  it('answer increasing offsets in the one-partition topic log and the same epoch, from two clients', async () => {
    const a = busAndClient();
    const b = busAndClient();
    await a.bus.ensureTopics([{ name: TOPIC_LOG, partitions: 1 }]);

    const answers = [
      await a.client.publish('live:m1', { score: '1-0' }),
      await b.client.publish('live:m1', { score: '2-0' }),
      await a.client.broadcast({ x: 1 }, { deviceTypes: ['tv'] }),
      await b.client.publish('live:m2', { score: '0-1' }),
    ];

    expect(answers.map((r) => r.offset)).toEqual([1, 2, 3, 4]);
    const epoch = topicEpochOf(await a.bus.logId());
    expect(answers.map((r) => r.epoch)).toEqual([epoch, epoch, epoch, epoch]);
    expect(epoch).toMatch(/^e[0-9a-z]+$/);

    const records = await topicLogRecords(b.bus);
    expect(records.map((r) => [r.partition, r.offset, r.key])).toEqual([
      [0, '0', 'live:m1'],
      [0, '1', 'live:m1'],
      [0, '2', '$broadcast'],
      [0, '3', 'live:m2'],
    ]);
    expect(records.map((r) => JSON.parse(r.value).id)).toEqual(answers.map((r) => r.id));
  });
});
