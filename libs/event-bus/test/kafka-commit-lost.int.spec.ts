/**
 * A batch handled while the broker dies: the handler resolved (for the processor: the outcomes are
 * written), but the offset commit after it fails, and the consumer fetches the records again from
 * the last committed offset once the broker is back. The subscription must not hand them to its
 * handler a second time — for the processor that would be a second delivery and a second final
 * outcome of the same message (the chaos soak's `kafka-broker-restart` found it). The broker is
 * this file's own (SIGKILLed and started again here), never the shared one.
 */
import { randomUUID } from 'node:crypto';
import { logLevel } from 'kafkajs';
import { startInfra, stopKafka, type RunningInfra } from '@pushwire/infra';
import { waitFor } from '@pushwire/test-kit';
import { KafkaEventBus, type ConsumedRecord, type SkippedRefetch, type Subscription } from '../src';

let infra: RunningInfra;
let bus: KafkaEventBus;
let subscription: Subscription | undefined;
const skips: SkippedRefetch[] = [];

beforeAll(async () => {
  infra = await startInfra({ kafka: true, dynamodb: false });
  bus = new KafkaEventBus({
    brokers: [infra.kafkaBrokers!],
    clientId: `commit-lost-${randomUUID()}`,
    logLevel: logLevel.NOTHING,
    onRefetchSkipped: (s) => skips.push(s),
  });
});

afterAll(async () => {
  await subscription?.stop().catch(() => undefined);
  await bus?.close().catch(() => undefined);
  await infra?.stop();
});

describe('a batch whose offset commit was lost with the broker', () => {
  it('is not handed to the handler again when the broker is back, and the records after it are', async () => {
    const topic = `commit-lost-${randomUUID().slice(0, 8)}`;
    await bus.ensureTopics([{ name: topic, partitions: 1 }]);
    const handled: ConsumedRecord[] = [];
    let brokerDown!: () => void;
    const killed = new Promise<void>((resolve) => (brokerDown = resolve));
    subscription = await bus.subscribe({
      groupId: `commit-lost-${randomUUID()}`,
      topics: [topic],
      handler: async (records) => {
        handled.push(...records);
        // The first batch finishes only once the broker is gone: its commit cannot get through.
        if (records.some((r) => r.value === 'first')) await killed;
      },
    });
    await bus.publish(topic, [{ key: 'device-1', value: 'first' }]);
    await waitFor(() => handled.length === 1, { what: 'the first record handled', timeoutMs: 20_000 });

    const outage = await stopKafka(infra, 'SIGKILL');
    brokerDown();
    // The consumer gives up on the lost commit and leaves the group; it then re-joins on its own.
    await waitFor(() => !subscription!.joined?.(), { what: 'the consumer out of its group', timeoutMs: 60_000 });
    await outage.restart();
    await waitFor(() => subscription!.joined?.(), { what: 'the consumer back in its group', timeoutMs: 60_000 });

    await bus.publish(topic, [{ key: 'device-1', value: 'second' }]);
    await waitFor(() => handled.some((r) => r.value === 'second'), {
      what: 'the record published after the outage handled',
      timeoutMs: 60_000,
    });
    expect(handled.map((r) => r.value)).toEqual(['first', 'second']);
    // The operator is told: the broker lost a commit, and what was skipped because of it.
    expect(skips).toEqual([expect.objectContaining({ topic, partition: 0, firstOffset: '0', records: 1 })]);
    // Its commit went through with the next batch's: the group's lag is 0.
    await waitFor(async () => (await subscription!.lag()).every((p) => p.lag === 0), {
      what: 'both records committed',
      timeoutMs: 20_000,
      retryErrors: true,
    });
  }, 240_000);
});
