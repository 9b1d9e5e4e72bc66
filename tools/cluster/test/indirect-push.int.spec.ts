import { randomUUID } from 'node:crypto';
import type { DeviceClient } from '@pushwire/device-client';
import { KafkaEventBus, type Subscription } from '@pushwire/event-bus';
import { dynamodbEndpointFromEnv, kafkaBrokersFromEnv } from '@pushwire/infra/testing';
import { deviceRefKey, Topics, type DeadLetterRecord, type PushOutcomeRecord, type PushRequestRecord } from '@pushwire/protocol';
import { PushClient } from '@pushwire/push-client';
import { waitFor } from '@pushwire/test-kit';
import type { Cluster } from '../src';
import { CLUSTER_POLL, connectDevice, registryGet, startTestCluster } from './cluster-fixture';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/**
 * Indirect push on the real cluster: a real Kafka broker, the message processor as its own process,
 * the registry on DynamoDB Local and two edges; 200 devices connected with the device SDK.
 */
describe('cluster: indirect push through Kafka and the message processor', () => {
  const DEVICES = 200;
  const run = randomUUID().slice(0, 8);
  let cluster: Cluster;
  let bus: KafkaEventBus;
  let sender: PushClient;
  let outcomesTail: Subscription;
  let deadLettersTail: Subscription;
  const devices: Array<{ id: string; client: DeviceClient; received: string[] }> = [];
  /** Outcome records of this run, by message id (a re-delivered message may have several). */
  const outcomes = new Map<string, PushOutcomeRecord[]>();
  const deadLetters: DeadLetterRecord[] = [];
  const ourIds = new Set<string>();

  const deviceId = (i: number) => `d${i}-${run}`;
  /** Device `i` (two per account) as a target names it: its account and its id. */
  const target = (i: number) => ({ accountId: `acct-${run}-${i >> 1}`, deviceId: deviceId(i) });
  const outcomeCount = () => [...ourIds].filter((id) => outcomes.has(id)).length;
  const enqueueAll = async (items: Array<{ to: number; priority: 'high' | 'normal' | 'low'; tag: string }>) => {
    for (let i = 0; i < items.length; i += 1000) {
      const chunk = items.slice(i, i + 1000).map(({ to, priority, tag }) => {
        const id = `${tag}-${to}-${i}-${randomUUID().slice(0, 6)}`;
        ourIds.add(id);
        return { target: target(to), payload: { tag }, options: { id, priority } };
      });
      const results = await sender.enqueueMany(chunk);
      expect(results.filter((r) => 'error' in r && r.error)).toEqual([]);
    }
  };

  beforeAll(async () => {
    cluster = await startTestCluster(dynamodbEndpointFromEnv(), undefined, { PUSHWIRE_PROCESSOR_CONCURRENCY_LOW: '2' });
    bus = new KafkaEventBus({ brokers: kafkaBrokersFromEnv(), clientId: `indirect-test-${run}` });
    sender = new PushClient({ registryUrl: cluster.registryUrl, serviceToken: cluster.serviceToken, bus });
    outcomesTail = await bus.subscribe({
      groupId: `outcomes-${run}`,
      topics: [Topics.pushOutcomes],
      fromBeginning: true,
      handler: async (records) => {
        for (const r of records) {
          const o = JSON.parse(r.value) as PushOutcomeRecord;
          if (!o.target.deviceId.endsWith(run)) continue;
          outcomes.set(o.messageId, [...(outcomes.get(o.messageId) ?? []), o]);
        }
      },
    });
    deadLettersTail = await bus.subscribe({
      groupId: `dlq-${run}`,
      topics: [Topics.pushDlq],
      fromBeginning: true,
      handler: async (records) => {
        for (const r of records) if (r.value.includes(run)) deadLetters.push(JSON.parse(r.value) as DeadLetterRecord);
      },
    });
    for (let i = 0; i < DEVICES; i++) {
      const edge = cluster.edges[i % 2]!;
      const { client, connectionId } = await connectDevice(cluster, edge.deviceUrl, target(i).accountId, deviceId(i));
      const entry = { id: deviceId(i), client, received: [] as string[] };
      client.on('push', (p) => {
        entry.received.push(p.id);
      });
      devices.push(entry);
      if (i === DEVICES - 1)
        await waitFor(async () => (await registryGet(cluster, target(i).accountId, deviceId(i))).body.connectionId === connectionId, {
          ...CLUSTER_POLL,
          timeoutMs: 30_000,
          what: 'the last device to be registered',
        });
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.client.close()));
    await outcomesTail?.stop();
    await deadLettersTail?.stop();
    await sender?.close();
    await bus?.close();
    await cluster?.stop();
  }, 60_000);

  const clearReceived = () => devices.forEach((d) => (d.received.length = 0));

  it('delivers 10,000 enqueued messages to 200 devices on two edges, each exactly once, with an outcome for every one', async () => {
    clearReceived();
    const started = Date.now();
    const items = Array.from({ length: 10_000 }, (_, n) => ({ to: n % DEVICES, priority: 'normal' as const, tag: 'bulk' }));
    await enqueueAll(items);
    await waitFor(async () => devices.reduce((sum, d) => sum + d.received.length, 0) >= 10_000, {
      ...CLUSTER_POLL,
      timeoutMs: 90_000,
      what: 'all 10,000 messages at the devices',
      intervalMs: 250,
    });
    const seconds = (Date.now() - started) / 1000;
    for (const d of devices) {
      expect(d.received.length).toBe(50);
      expect(new Set(d.received).size).toBe(50);
    }
    await waitFor(async () => outcomeCount() === ourIds.size, {
      ...CLUSTER_POLL,
      timeoutMs: 30_000,
      what: 'an outcome for every message',
      intervalMs: 250,
    });
    const bulk = [...ourIds].filter((id) => id.startsWith('bulk-'));
    expect(bulk.every((id) => outcomes.get(id)!.some((o) => o.status === 'delivered'))).toBe(true);
    const latencies = bulk.map((id) => outcomes.get(id)![0]!.latencyMs);
    process.stdout.write(
      `10,000 indirect pushes to 200 devices on 2 edges: ${seconds.toFixed(1)} s (${Math.round(10_000 / seconds)} msg/s), enqueue→outcome p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms\n`,
    );
  }, 150_000);

  it('lets high-priority messages overtake a backlog of low-priority ones', async () => {
    clearReceived();
    await enqueueAll(Array.from({ length: 4_000 }, (_, n) => ({ to: n % DEVICES, priority: 'low' as const, tag: 'backlog' })));
    await enqueueAll(Array.from({ length: 200 }, (_, n) => ({ to: n % DEVICES, priority: 'high' as const, tag: 'urgent' })));
    const ids = (tag: string) => [...ourIds].filter((id) => id.startsWith(`${tag}-`));
    await waitFor(
      async () =>
        ids('backlog')
          .concat(ids('urgent'))
          .every((id) => outcomes.has(id)),
      { ...CLUSTER_POLL, timeoutMs: 90_000, what: 'outcomes of the backlog and the urgent messages', intervalMs: 250 },
    );
    const done = (tag: string) => ids(tag).map((id) => outcomes.get(id)![0]!.completedAt);
    const latency = (tag: string) => ids(tag).map((id) => outcomes.get(id)![0]!.latencyMs);
    const [highP50, lowP50] = [percentile(latency('urgent'), 50), percentile(latency('backlog'), 50)];
    process.stdout.write(
      `priority split: high p50 ${highP50} ms / p99 ${percentile(latency('urgent'), 99)} ms; low (backlog of 4,000 enqueued first) p50 ${lowP50} ms / p99 ${percentile(latency('backlog'), 99)} ms\n`,
    );
    // Enqueued after the whole backlog, the urgent messages are all done before the backlog is, and
    // most of them overtake the backlog's last tenth. (Their p50 latency is no fair comparison: the
    // latency of an urgent message includes its wait behind the backlog's publishes in the
    // producer, so on a loaded machine it can exceed the backlog's p50 — CI saw 3,087 vs 2,249 ms.)
    const urgentDone = done('urgent');
    const backlogDone = done('backlog');
    expect(Math.max(...urgentDone)).toBeLessThan(Math.max(...backlogDone));
    process.stdout.write(
      `urgent p50 done ${percentile(urgentDone, 50) - Math.min(...backlogDone)} ms after the backlog's first, its p90 ${percentile(backlogDone, 90) - Math.min(...backlogDone)} ms\n`,
    );
    expect(percentile(urgentDone, 50)).toBeLessThan(percentile(backlogDone, 90));
  }, 150_000);

  it('loses nothing and shows no duplicate at any device when the processor is SIGKILLed mid-stream and restarted', async () => {
    clearReceived();
    const before = outcomeCount();
    await enqueueAll(Array.from({ length: 4_000 }, (_, n) => ({ to: n % DEVICES, priority: 'normal' as const, tag: 'crash' })));
    await waitFor(async () => outcomeCount() - before >= 500, {
      ...CLUSTER_POLL,
      timeoutMs: 60_000,
      what: 'the processor to be mid-stream',
      intervalMs: 20,
    });
    await cluster.processor.stop('SIGKILL');
    const atKill = devices.reduce((sum, d) => sum + d.received.length, 0);
    await cluster.processor.start();
    await waitFor(async () => devices.reduce((sum, d) => sum + d.received.length, 0) >= 4_000, {
      ...CLUSTER_POLL,
      timeoutMs: 90_000,
      what: 'all 4,000 messages at the devices after the restart',
      intervalMs: 250,
    });
    process.stdout.write(`processor SIGKILLed after ${atKill} of 4,000 messages had arrived; after the restart all 4,000 arrived\n`);
    for (const d of devices) {
      expect(d.received.length).toBe(20);
      expect(new Set(d.received).size).toBe(20);
    }
  }, 150_000);

  it('dead-letters a malformed record with its reason and keeps delivering the partition behind it', async () => {
    clearReceived();
    const key = deviceRefKey(target(7));
    await bus.publish(Topics.pushRequests.normal, [{ key, value: `{"not a push request": "${run}"` }]);
    const valid: PushRequestRecord = {
      v: 1,
      target: target(7),
      message: { id: `after-garbage-${run}`, payload: 'still flowing' },
      enqueuedAt: Date.now(),
    };
    await bus.publish(Topics.pushRequests.normal, [{ key, value: JSON.stringify(valid) }]);
    await waitFor(async () => devices[7]!.received.includes(`after-garbage-${run}`), {
      ...CLUSTER_POLL,
      timeoutMs: 30_000,
      what: 'the valid record behind the malformed one',
    });
    await waitFor(async () => deadLetters.some((d) => d.value.includes(`"not a push request": "${run}"`)), {
      ...CLUSTER_POLL,
      timeoutMs: 30_000,
      what: 'the malformed record in the DLQ',
    });
    const letter = deadLetters.find((d) => d.value.includes(`"not a push request": "${run}"`))!;
    expect(letter).toMatchObject({ reason: 'invalid_record', key, source: { topic: Topics.pushRequests.normal } });
    expect(letter.detail).toMatch(/not JSON/);
  }, 60_000);

  it('does not deliver an expired message and records the outcome expired', async () => {
    clearReceived();
    const id = `expired-${run}`;
    ourIds.add(id);
    const stale: PushRequestRecord = {
      v: 1,
      target: target(9),
      message: { id, payload: 'too late', ttlSeconds: 5 },
      enqueuedAt: Date.now() - 10_000,
    };
    await bus.publish(Topics.pushRequests.high, [{ key: deviceRefKey(target(9)), value: JSON.stringify(stale) }]);
    await waitFor(async () => outcomes.has(id), { ...CLUSTER_POLL, timeoutMs: 30_000, what: 'the outcome of the expired message' });
    expect(outcomes.get(id)![0]).toMatchObject({ status: 'expired', attempts: 0, priority: 'high' });
    expect(devices[9]!.received).not.toContain(id);
  }, 60_000);

  it('keeps a message for an offline device (stored), across a processor restart, and hands it over when the device connects to edge 2 (delivered)', async () => {
    const later = { accountId: `acct-${run}-later`, deviceId: `later1-${run}` };
    const { messageId } = await sender.enqueue(later, { n: 1 }, { ttlSeconds: 600 });
    ourIds.add(messageId);
    await waitFor(async () => outcomes.has(messageId), { ...CLUSTER_POLL, timeoutMs: 30_000, what: 'the stored outcome' });
    expect(outcomes.get(messageId)).toEqual([expect.objectContaining({ status: 'stored', storedAt: expect.any(Number) })]);

    await cluster.processor.stop('SIGKILL');
    await cluster.processor.start();

    const { client } = await connectDevice(cluster, cluster.edges[1]!.deviceUrl, later.accountId, later.deviceId);
    const received: string[] = [];
    client.on('push', (p) => {
      received.push(p.id);
    });
    try {
      await waitFor(async () => received.includes(messageId), {
        ...CLUSTER_POLL,
        timeoutMs: 30_000,
        what: 'the stored message at the device',
      });
      await waitFor(async () => (outcomes.get(messageId) ?? []).some((o) => o.status === 'delivered'), {
        ...CLUSTER_POLL,
        timeoutMs: 30_000,
        what: 'the delivered outcome',
      });
      const all = outcomes.get(messageId)!;
      expect(all.map((o) => o.status)).toEqual(['stored', 'delivered']);
      expect(all[1]).toMatchObject({ edgeId: cluster.edges[1]!.id, storedAt: all[0]!.storedAt, source: 'queued' });
      expect(received).toEqual([messageId]);
    } finally {
      await client.close();
    }
  }, 90_000);
});
