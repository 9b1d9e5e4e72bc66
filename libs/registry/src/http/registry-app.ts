import type { FastifyInstance } from 'fastify';
import {
  buildServiceApp,
  createLogger,
  createMetricsRegistry,
  storeUnavailableAs503,
  requiredServiceTokens,
  type Logger,
  type Registry,
  type ServiceTokens,
} from '@pushwire/service-kit';
import type { RegistryStore } from '../registry-store';
import type { EdgeHostAllowList } from './edge-hosts';
import { createRegistryMetrics, instrumentStore } from './registry-metrics';
import { v1Routes } from './v1-routes';

/** What the registry HTTP app needs; everything it opens is closed by `app.close()`. */
export interface RegistryAppOptions {
  /** Where registrations live. Not closed by the app: whoever built it closes it. */
  store: RegistryStore;
  /** Service tokens by role, required as `Authorization: Bearer …` on /v1/* (lookups: sender or edge; writes: edge). */
  serviceTokens?: ServiceTokens;
  /** One token for every role instead (tests, the development all-in-one). */
  serviceToken?: string;
  /** Default: a `registry` pino logger. */
  logger?: Logger;
  /** Default: a fresh registry with the process defaults, served on /metrics. */
  metricsRegistry?: Registry;
  /** Hosts edges may name in their edgeUrl (403 otherwise). Default: any host the EdgeUrl schema takes. */
  edgeHosts?: EdgeHostAllowList;
}

/**
 * Builds the registry HTTP app without listening (tests use `app.inject()`). /v1/* is the API of
 * `RegistryClient`; /healthz, /readyz, /metrics and /openapi.json are open.
 */
export function buildRegistryApp(opts: RegistryAppOptions): FastifyInstance {
  if (!opts.store) throw new TypeError('buildRegistryApp: store is required');
  const serviceTokens = requiredServiceTokens(opts, 'buildRegistryApp');
  const logger = opts.logger ?? createLogger('registry');
  const metricsRegistry = opts.metricsRegistry ?? createMetricsRegistry('registry');
  const metrics = createRegistryMetrics(metricsRegistry);
  const store = instrumentStore(opts.store, metrics);
  const app = buildServiceApp({
    title: 'Pushwire registry',
    description: 'Where devices are connected: registrations and edge leases.',
    logger,
    metricsRegistry,
    mapError: storeUnavailableAs503('registry'),
    onResponse: (method, route, statusCode, seconds) =>
      metrics.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds),
  });
  app.register(v1Routes, { store, serviceTokens, metrics, ...(opts.edgeHosts ? { edgeHosts: opts.edgeHosts } : {}) });

  // Callers only listen, inject and close: hand back the plain instance type, not the provider-typed one.
  return app as unknown as FastifyInstance;
}
