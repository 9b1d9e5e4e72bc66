import type { PushOutcomeRecord } from '@pushwire/protocol';
import { createMetricsRegistry } from '@pushwire/service-kit';
import { ProcessorMetrics } from './processor-metrics';

const outcome = (priority: PushOutcomeRecord['priority'], status: PushOutcomeRecord['status'], latencyMs: number) =>
  ({ priority, status, latencyMs }) as PushOutcomeRecord;

describe('ProcessorMetrics.countOutcomes', () => {
  it('counts every outcome by priority and status and observes each latency, as one increment per outcome would', async () => {
    const registry = createMetricsRegistry('message-processor', false);
    const metrics = new ProcessorMetrics(registry, async () => []);
    metrics.countOutcomes([outcome('high', 'delivered', 10), outcome('high', 'delivered', 20), outcome('low', 'stored', 3000)]);
    metrics.countOutcomes([outcome('high', 'expired', 50)], 'normal');

    const counted = (await metrics.outcomes.get()).values.map((v) => [v.labels.priority, v.labels.status, v.value]);
    expect(counted).toEqual([
      ['high', 'delivered', 2],
      ['low', 'stored', 1],
      ['normal', 'expired', 1],
    ]);
    const counts = (await metrics.endToEnd.get()).values.filter((v) => v.metricName === 'pushwire_processor_end_to_end_seconds_count');
    expect(counts.map((v) => [v.labels.priority, v.value])).toEqual([
      ['high', 2],
      ['low', 1],
      ['normal', 1],
    ]);
  });
});
