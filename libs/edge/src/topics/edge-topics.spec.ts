import { EventBusError, MemoryEventBus, type TopicSpec } from '@pushwire/event-bus';
import { TOPIC_LOG } from '@pushwire/protocol';
import { createMetricsRegistry, silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import { EdgeMetrics } from '../edge-metrics';
import { EdgeTopics } from './edge-topics';

// EdgeTopics' start against a memory bus that fails as a real one can: unreachable at boot, or a
// topic log made with more than one partition.

/** A memory bus whose first `failures` ensureTopics calls fail as an unreachable Kafka's would. */
class FlakyBus extends MemoryEventBus {
  constructor(private failures: number) {
    super();
  }
  override ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    if (this.failures-- > 0) return Promise.reject(new EventBusError('brokers unreachable'));
    return super.ensureTopics(topics);
  }
}

function topics(bus: MemoryEventBus): EdgeTopics {
  return new EdgeTopics({
    config: {
      maxTopicsPerConnection: 32,
      topicHistoryMessages: 100,
      topicHistorySeconds: 300,
      topicHistoryMaxBytes: 1 << 20,
      topicHistoryMaxTopics: 1000,
    },
    topicLog: bus,
    app: () => undefined,
    forEachConnection: () => undefined,
    metrics: new EdgeMetrics(createMetricsRegistry('edge-topics-spec', false), () => ({ websocket: 0, sse: 0, authenticating: 0 })),
    logger: silentLogger(),
    now: Date.now,
  });
}

describe('EdgeTopics', () => {
  it('starts even when the topic log does not answer, and reads it (history ready) once it does', async () => {
    const bus = new FlakyBus(1);
    const t = topics(bus);
    try {
      await t.start();
      expect(t.history!.ready).toBe(false);
      await waitFor(() => t.history!.ready, { what: 'the history loaded after the retry', timeoutMs: 5000 });
    } finally {
      await t.stop();
      await bus.close();
    }
  });

  it('refuses to start on a topic log of more than one partition (invalid_config)', async () => {
    const bus = new MemoryEventBus();
    await bus.ensureTopics([{ name: TOPIC_LOG, partitions: 2 }]);
    const t = topics(bus);
    try {
      await expect(t.start()).rejects.toMatchObject({ code: 'invalid_config' });
    } finally {
      await t.stop();
      await bus.close();
    }
  });
});
