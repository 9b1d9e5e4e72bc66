/**
 * The processor's consumer group on a real Kafka broker: a new group starts at the newest records
 * (a processor deployed under a new group id does not re-deliver the topics' history), nothing
 * enqueued right after start() resolves is skipped, a processor stopped before it handled anything
 * resumes where it started, and PUSHWIRE_PROCESSOR_REPLAY (replay: true) replays from the oldest.
 */
import { randomUUID } from 'node:crypto';
import { KafkaEventBus, type BusMessage, type EventBus, type SubscribeOptions, type TopicSpec } from '@pushwire/event-bus';
import { kafkaBrokersFromEnv } from '@pushwire/infra/testing';
import {
  deviceRefKey,
  Topics,
  type PushMessage,
  type PushOutcomeRecord,
  type PushRequestRecord,
  type PushTarget,
} from '@pushwire/protocol';
import { TestInboxClient } from '@pushwire/registry/testing';
import { silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import type { DeliveryPort } from '../src/delivery-port';
import { readDeadLetters } from '../src/dlq/dead-letters';
import { replayDeadLetters } from '../src/dlq/dlq-replay';
import { PushProcessor } from '../src/push-processor';

const run = randomUUID().slice(0, 8);

/**
 * The broker is shared with other test runs, and the processor's topic names are fixed: every
 * topic this bus touches gets a prefix of this run's own, so no other run's records (or outcomes)
 * mix with these.
 */
class PrefixedBus implements EventBus {
  constructor(
    private readonly bus: EventBus,
    private readonly prefix: string,
  ) {}
  ensureTopics(topics: readonly TopicSpec[]) {
    return this.bus.ensureTopics(topics.map((t) => ({ ...t, name: this.prefix + t.name })));
  }
  publish(topic: string, messages: readonly BusMessage[]) {
    return this.bus.publish(this.prefix + topic, messages);
  }
  subscribe(opts: SubscribeOptions) {
    return this.bus.subscribe({
      ...opts,
      topics: opts.topics.map((t) => this.prefix + t),
      handler: (records, ctx) =>
        opts.handler(
          records.map((r) => ({ ...r, topic: r.topic.slice(this.prefix.length) })),
          ctx,
        ),
    });
  }
  close() {
    return this.bus.close();
  }
}

/** Delivers everything (`delivered`), remembering what, in order. */
class RecordingDelivery implements DeliveryPort {
  readonly delivered: string[] = [];
  async deliver(_target: PushTarget, message: PushMessage) {
    this.delivered.push(message.id);
    return { status: 'delivered' as const, edgeId: 'edge-1' };
  }
}

const target = { accountId: 'acct-1', deviceId: 'tv-1' };
const request = (id: string): BusMessage => {
  const r: PushRequestRecord = { v: 1, target, message: { id, payload: { id } }, enqueuedAt: Date.now() };
  return { key: deviceRefKey(target), value: JSON.stringify(r) };
};

describe('PushProcessor on a real Kafka broker: where a consumer group starts', () => {
  const kafka = new KafkaEventBus({ brokers: kafkaBrokersFromEnv(), clientId: `processor-int-${run}` });
  const bus = new PrefixedBus(kafka, `t-${run}-`);
  const outcomes: PushOutcomeRecord[] = [];
  const processors: PushProcessor[] = [];

  const processor = (groupId: string, delivery: DeliveryPort, replay = false) => {
    const p = new PushProcessor({
      bus,
      delivery,
      inbox: new TestInboxClient(),
      groupId: `${groupId}-${run}`,
      replay,
      concurrency: { high: 2, normal: 2, low: 2 },
      retry: { quickAttempts: 2, baseDelayMs: 10, maxDelayMs: 100 },
      defaultTtlSeconds: 600,
      partitions: { high: 1, normal: 2, low: 1, outcomes: 1, dlq: 1 },
      partitionsConcurrently: 4,
      logger: silentLogger(),
    });
    processors.push(p);
    return p;
  };
  const outcomeOf = (id: string) => outcomes.find((o) => o.messageId === id);

  beforeAll(async () => {
    await bus.ensureTopics(processor('setup', new RecordingDelivery()).topics());
    await bus.subscribe({
      groupId: `outcomes-${run}`,
      topics: [Topics.pushOutcomes],
      handler: async (records) => {
        for (const r of records) outcomes.push(JSON.parse(r.value) as PushOutcomeRecord);
      },
    });
  });
  afterAll(async () => {
    for (const p of processors) await p.stop();
    await kafka.close();
  });

  it('starts a new group at the newest records, yet handles a message enqueued right after start() resolves', async () => {
    await bus.publish(Topics.pushRequests.normal, [request('history-1'), request('history-2')]);
    const delivery = new RecordingDelivery();
    const p = processor('fresh', delivery);
    await p.start();
    await bus.publish(Topics.pushRequests.normal, [request('right-after-start')]);
    await waitFor(() => outcomeOf('right-after-start') !== undefined, { what: 'the outcome of right-after-start', timeoutMs: 20_000 });
    // Same target, same partition, handled in order: the history would have come first.
    expect(delivery.delivered).toEqual(['right-after-start']);
    expect(outcomeOf('right-after-start')).toMatchObject({ status: 'delivered' });
  });

  it('resumes where it started after a stop before any record, and replays from the oldest only when told to', async () => {
    const delivery = new RecordingDelivery();
    const first = processor('restart', delivery);
    await first.start();
    await first.stop();
    await bus.publish(Topics.pushRequests.normal, [request('while-down')]);
    const second = processor('restart', delivery);
    await second.start();
    await waitFor(() => delivery.delivered.includes('while-down'), { what: 'while-down delivered after the restart', timeoutMs: 20_000 });
    expect(delivery.delivered).toEqual(['while-down']);

    const replaying = new RecordingDelivery();
    await processor('replay', replaying, true).start();
    await waitFor(() => replaying.delivered.includes('while-down'), { what: 'the replay to reach while-down', timeoutMs: 20_000 });
    expect(replaying.delivered).toEqual(['history-1', 'history-2', 'right-after-start', 'while-down']);
  });

  it('lists and replays dead letters on Kafka (a scan of the topic in a group of its own)', async () => {
    const key = deviceRefKey(target);
    const expired = (id: string) => ({
      v: 1,
      reason: 'expired_while_unavailable',
      detail: 'scripted',
      source: { topic: Topics.pushRequests.normal, partition: 0, offset: '0' },
      key,
      value: request(id).value,
      failedAt: Date.now(),
      messageId: id,
    });
    await bus.publish(Topics.pushDlq, [
      { key, value: JSON.stringify(expired('dead-1')) },
      { key, value: JSON.stringify(expired('dead-2')) },
    ]);
    const started = Date.now();
    const scan = await readDeadLetters(bus, { reason: 'expired_while_unavailable' });
    process.stdout.write(`GET /v1/dlq on Kafka: a scan of ${scan.scanned} dead letters took ${Date.now() - started} ms\n`);
    expect(scan).toMatchObject({ complete: true, more: false, unreadable: 0 });
    expect(scan.entries.map((e) => e.record.messageId)).toEqual(['dead-1', 'dead-2']);

    const delivery = new RecordingDelivery();
    await processor('after-replay', delivery).start();
    const replay = await replayDeadLetters(bus, { messageId: ['dead-2'], ttlSeconds: 60 });
    expect(replay.replayed.map((r) => r.messageId)).toEqual(['dead-2']);
    await waitFor(() => delivery.delivered.includes('dead-2'), { what: 'the replayed dead-2 delivered', timeoutMs: 20_000 });
    expect(delivery.delivered).toEqual(['dead-2']);
  });
});
