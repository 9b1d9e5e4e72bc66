import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerBuildInfo } from './build-info';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * A metrics registry per service instance (tests build several services in one process), labelled
 * with the service's name and carrying `pushwire_build_info`; `defaults`: Node.js process metrics too.
 */
export function createMetricsRegistry(service: string, defaults = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  registerBuildInfo(registry);
  if (defaults) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Latency buckets in seconds, from 100 µs to 5 s: pushes are sub-millisecond, store calls are not. */
export const LATENCY_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
