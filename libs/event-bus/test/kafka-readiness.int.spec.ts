/**
 * What a service's /readyz asks the Kafka bus: `ready()` (the producer connected, a broker answers)
 * and a subscription's `joined()` (in its group), on a real broker and on one nothing listens on.
 */
import { randomUUID } from 'node:crypto';
import { logLevel } from 'kafkajs';
import { freePorts } from '@pushwire/infra';
import { kafkaBrokersFromEnv } from '@pushwire/infra/testing';
import { busReadinessChecks, EventBusError, KafkaEventBus } from '../src';

describe('KafkaEventBus readiness', () => {
  const run = randomUUID().slice(0, 8);

  it('is ready on a reachable broker; a subscription is joined until it stops', async () => {
    const bus = new KafkaEventBus({ brokers: kafkaBrokersFromEnv(), clientId: 'event-bus-readiness' });
    try {
      await expect(bus.ready()).resolves.toBeUndefined();
      const topic = `pushwire-test-readiness-${run}`;
      await bus.ensureTopics([{ name: topic, partitions: 1 }]);
      const sub = await bus.subscribe({ groupId: `pushwire-test-readiness-${run}`, topics: [topic], handler: async () => undefined });
      expect(sub.joined?.()).toBe(true);
      const checks = busReadinessChecks(bus, () => sub);
      expect(await Promise.all(checks.map((c) => c.check()))).toEqual([undefined, undefined]);
      await sub.stop();
      expect(sub.joined?.()).toBe(false);
      expect(await checks[1]!.check()).toBe('not a member of its consumer group (joining, crashed or stopped)');
    } finally {
      await bus.close();
    }
  });

  it('rejects ready() with an EventBusError naming the brokers when none answers', async () => {
    const address = `127.0.0.1:${(await freePorts(1))[0]}`;
    const bus = new KafkaEventBus({ brokers: [address], clientId: 'event-bus-readiness-down', logLevel: logLevel.NOTHING });
    try {
      const err = await bus.ready().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EventBusError);
      expect((err as EventBusError).message).toContain(address);
    } finally {
      await bus.close();
    }
  });
});
