/**
 * The message processor's own CPU per queued message, without Kafka, the registry or an edge: the
 * real PushProcessor (metrics, journal, limiters, waves, outcome records) on the in-memory bus, its
 * deliveries answered `delivered` at once. What is left is what the processor spends per message
 * besides the network — the part bench:push cannot isolate on a shared machine.
 *
 *   npx tsx tools/bench/src/processor-loop.ts [messages=20000] [devices=200] [rounds=5]
 */
import { performance } from 'node:perf_hooks';
import { MemoryEventBus } from '@pushwire/event-bus';
import { deviceRefKey, Topics, type PushRequestRecord } from '@pushwire/protocol';
import { loadProcessorConfig, ProcessorMetrics, processorSettings, PushProcessor, type DeliveryPort } from '@pushwire/push-processor';
import { TestInboxClient } from '@pushwire/registry/testing';
import { createMetricsRegistry, MessageJournal, silentLogger } from '@pushwire/service-kit';

const [messages = 20_000, devices = 200, rounds = 5] = process.argv.slice(2).map(Number);

const delivery: DeliveryPort = {
  deliver: async () => ({ status: 'delivered', edgeId: 'edge-1' }),
};

async function round(n: number): Promise<{ usPerMsg: number; msgsPerSecond: number }> {
  const bus = new MemoryEventBus();
  const registry = createMetricsRegistry('message-processor', false);
  const processor = new PushProcessor({
    // The shipped defaults (the service's configuration with nothing set), not a copy of them.
    ...processorSettings(loadProcessorConfig({ PUSHWIRE_SENDER_TOKENS: 'bench-sender-token' })),
    bus,
    delivery,
    inbox: new TestInboxClient(),
    groupId: `loop-${n}`,
    replay: true,
    logger: silentLogger(),
    journal: new MessageJournal().recorder('message-processor'),
    metrics: (lag) => new ProcessorMetrics(registry, lag),
  });
  await bus.ensureTopics(processor.topics());
  const now = Date.now();
  const records = Array.from({ length: messages }, (_, i) => {
    const target = { accountId: `acc-${(i % devices) >> 1}`, deviceId: `dev-${i % devices}` };
    const record: PushRequestRecord = {
      v: 1,
      target,
      message: { id: `m-${n}-${i}`, payload: { p: 1, n: i, t: 123.456 }, ttlSeconds: 120 },
      enqueuedAt: now,
    } as PushRequestRecord;
    return { key: deviceRefKey(target), value: JSON.stringify(record) };
  });
  for (let i = 0; i < records.length; i += 500) await bus.publish(Topics.pushRequests.normal, records.slice(i, i + 500));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await processor.start();
  for (;;) {
    const lag = await processor.lag();
    if (lag.length && lag.every((l) => l.lag === 0)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await processor.stop();
  await bus.close();
  return { usPerMsg: (cpu.user + cpu.system) / messages, msgsPerSecond: messages / seconds };
}

async function main(): Promise<void> {
  for (let r = 1; r <= rounds; r++) {
    const { usPerMsg, msgsPerSecond } = await round(r);
    console.log(`round ${r}: ${usPerMsg.toFixed(1)} µs CPU per message, ${Math.round(msgsPerSecond)} msgs/s`);
  }
}

void main();
