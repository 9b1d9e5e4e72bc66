/**
 * The topic feed on a real Kafka broker: every edge's feed reads the whole log (no consumer group
 * shares it), and a feed started late loads what was published as history without sending it again.
 */
import { randomUUID } from 'node:crypto';
import { KafkaEventBus } from '@pushwire/event-bus';
import { kafkaBrokersFromEnv } from '@pushwire/infra/testing';
import { topicEpochOf, type TopicPublishRecord } from '@pushwire/protocol';
import { silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import type { TopicFanout } from '../src/topics/topic-fanout';
import { TopicFeed } from '../src/topics/topic-feed';
import { TopicHistory } from '../src/topics/topic-history';

const brokers = kafkaBrokersFromEnv();

/** One edge's side: its own bus, history, a fan-out that records what it was asked to write, and the feed. */
class Edge {
  readonly bus = new KafkaEventBus({ brokers, clientId: 'topic-feed-test' });
  readonly history = new TopicHistory({ maxMessagesPerTopic: 100, maxAgeMs: 300_000, maxBytes: 1 << 20, maxTopics: 100 });
  readonly published: Array<{ topic: string; frame: string }> = [];
  readonly feed: TopicFeed;

  constructor(topic: string) {
    const fanout: TopicFanout = {
      publish: (t, frame) => this.published.push({ topic: t, frame }),
      broadcast: () => 0,
    };
    this.feed = new TopicFeed({ log: this.bus, history: this.history, fanout, logger: silentLogger(), historySeconds: 300, topic });
  }

  async start(): Promise<this> {
    await this.feed.start();
    await this.history.whenReady();
    return this;
  }

  offsets(): number[] {
    return this.published.map((p) => (JSON.parse(p.frame) as { offset: number }).offset);
  }

  async close(): Promise<void> {
    await this.feed.stop();
    await this.bus.close();
  }
}

describe('TopicFeed on Kafka', () => {
  let topic: string;
  let publisher: KafkaEventBus;
  const edges: Edge[] = [];
  const edge = (): Edge => {
    const e = new Edge(topic);
    edges.push(e);
    return e;
  };
  const publish = async (count: number) => {
    const records = Array.from({ length: count }, (_, i): TopicPublishRecord => {
      const id = randomUUID();
      return { kind: 'topic', topic: 'live:m1', id, payload: { i }, priority: 'normal', sentAt: Date.now(), ttlSeconds: 300 };
    });
    const positions = await publisher.append(
      topic,
      records.map((r) => ({ key: r.topic, value: JSON.stringify(r) })),
    );
    return positions.map((p) => Number(p.offset) + 1);
  };

  beforeEach(async () => {
    topic = `topic-feed-${randomUUID().slice(0, 8)}`;
    publisher = new KafkaEventBus({ brokers, clientId: 'topic-feed-publisher' });
    await publisher.ensureTopics([{ name: topic, partitions: 1 }]);
  });
  afterEach(async () => {
    await Promise.all(edges.splice(0).map((e) => e.close()));
    await publisher.close();
  });

  it('hands a publish to the feeds of two edges reading one log', async () => {
    const [a, b] = await Promise.all([edge().start(), edge().start()]);
    const [offset] = await publish(1);

    await waitFor(() => a.published.length === 1 && b.published.length === 1, { what: 'the message on both edges', timeoutMs: 10_000 });
    expect(a.offsets()).toEqual([offset]);
    expect(b.published).toEqual(a.published);
    const epoch = topicEpochOf(await publisher.logId());
    expect(JSON.parse(a.published[0].frame)).toMatchObject({ type: 'topic.message', topic: 'live:m1', offset, epoch });
  });

  it('loads the publishes made before it started as history, recoverable but not sent again', async () => {
    const offsets = await publish(3);
    const late = await edge().start();

    expect(late.published).toEqual([]);
    const epoch = topicEpochOf(await publisher.logId());
    const recovery = late.history.recover('live:m1', { offset: 0, epoch });
    expect(recovery.recovered).toBe(true);
    expect(recovery.frames.map((f) => (JSON.parse(f) as { offset: number }).offset)).toEqual(offsets);
    expect(late.history.position()).toEqual({ offset: offsets[2], epoch });

    const [next] = await publish(1);
    await waitFor(() => late.published.length === 1, { what: 'the first live message', timeoutMs: 10_000 });
    expect(late.offsets()).toEqual([next]);
  });
});
