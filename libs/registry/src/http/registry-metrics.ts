import type { DeregisterItem, DeviceRef, Registration } from '@pushwire/protocol';
import { Counter, Histogram, LATENCY_BUCKETS_SECONDS, type Registry } from '@pushwire/service-kit';
import type { RegistryStore } from '../registry-store';

/** The registry service's metrics, registered on one prom-client registry per app. */
export interface RegistryMetrics {
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly storeDuration: Histogram<'operation'>;
  readonly storeErrors: Counter<'operation' | 'error'>;
  readonly registerOutcomes: Counter<'outcome'>;
  readonly deregisterOutcomes: Counter<'outcome'>;
  readonly lookedUpDevices: Counter<'result'>;
}

/** Creates the registry metrics on `registry` (names start with `pushwire_registry_`). */
export function createRegistryMetrics(registry: Registry): RegistryMetrics {
  const registers = [registry];
  return {
    httpDuration: new Histogram({
      name: 'pushwire_registry_http_request_duration_seconds',
      help: 'Registry HTTP request latency by route and status.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    }),
    storeDuration: new Histogram({
      name: 'pushwire_registry_store_operation_duration_seconds',
      help: 'Latency of registry store operations (lookup, register, …), failures included.',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    }),
    storeErrors: new Counter({
      name: 'pushwire_registry_store_errors_total',
      help: 'Registry store operations that failed, by operation and error name.',
      labelNames: ['operation', 'error'],
      registers,
    }),
    registerOutcomes: new Counter({
      name: 'pushwire_registry_register_outcomes_total',
      help: 'Registered devices by outcome (registered, stale).',
      labelNames: ['outcome'],
      registers,
    }),
    deregisterOutcomes: new Counter({
      name: 'pushwire_registry_deregister_outcomes_total',
      help: 'Deregistered devices by outcome (deregistered, not_current).',
      labelNames: ['outcome'],
      registers,
    }),
    lookedUpDevices: new Counter({
      name: 'pushwire_registry_lookup_devices_total',
      help: 'Device ids looked up, by result (found, missing).',
      labelNames: ['result'],
      registers,
    }),
  };
}

/** Times one store operation and counts its failure (errors pass through unchanged). */
export function storeTimer(metrics: Pick<RegistryMetrics, 'storeDuration' | 'storeErrors'>) {
  return async function timed<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const end = metrics.storeDuration.startTimer({ operation });
    try {
      return await fn();
    } catch (e) {
      metrics.storeErrors.inc({ operation, error: e instanceof Error ? e.name : 'unknown' });
      throw e;
    } finally {
      end();
    }
  };
}

/**
 * Wraps a store so every operation is timed and every failure counted, without the store knowing
 * about metrics. Errors pass through unchanged (the HTTP error handler maps them).
 */
export function instrumentStore(store: RegistryStore, metrics: RegistryMetrics): RegistryStore {
  const timed = storeTimer(metrics);
  return {
    register: async (registrations: Registration[]) => {
      const results = await timed('register', () => store.register(registrations));
      for (const r of results) metrics.registerOutcomes.inc({ outcome: r.outcome });
      return results;
    },
    deregister: async (items: DeregisterItem[]) => {
      const results = await timed('deregister', () => store.deregister(items));
      for (const r of results) metrics.deregisterOutcomes.inc({ outcome: r.outcome });
      return results;
    },
    lookup: (devices: DeviceRef[]) => timed('lookup', () => store.lookup(devices)),
    listByAccount: (accountId: string) => timed('listByAccount', () => store.listByAccount(accountId)),
    renewLease: (edgeId: string, edgeUrl: string, ttlSeconds: number, incarnation?: string) =>
      timed('renewLease', () => store.renewLease(edgeId, edgeUrl, ttlSeconds, incarnation)),
    releaseLease: (edgeId: string) => timed('releaseLease', () => store.releaseLease(edgeId)),
    readLeases: (edgeIds: string[]) => timed('readLeases', () => store.readLeases(edgeIds)),
    close: () => store.close(),
  };
}
