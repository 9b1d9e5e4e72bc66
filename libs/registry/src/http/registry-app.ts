import type { FastifyInstance } from 'fastify';
import {
  buildServiceApp,
  createLogger,
  createMetricsRegistry,
  errorBody,
  StoreUnavailableError,
  type Logger,
  type Registry,
} from '@pushwire/service-kit';
import type { RegistryStore } from '../registry-store';
import type { EdgeHostAllowList } from './edge-hosts';
import { createRegistryMetrics, instrumentStore } from './registry-metrics';
import { v1Routes } from './v1-routes';

/** What the registry HTTP app needs; everything it opens is closed by `app.close()`. */
export interface RegistryAppOptions {
  /** Where registrations live. Not closed by the app: whoever built it closes it. */
  store: RegistryStore;
  /** Shared service token required as `Authorization: Bearer …` on /v1/*. */
  serviceToken: string;
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
  if (!opts.serviceToken) throw new TypeError('buildRegistryApp: serviceToken is required');
  const logger = opts.logger ?? createLogger('registry');
  const metricsRegistry = opts.metricsRegistry ?? createMetricsRegistry('registry');
  const metrics = createRegistryMetrics(metricsRegistry);
  const store = instrumentStore(opts.store, metrics);
  const app = buildServiceApp({
    title: 'Pushwire registry',
    description: 'Where devices are connected: registrations and edge leases.',
    logger,
    metricsRegistry,
    mapError: (err, request, reply) => {
      if (!(err instanceof StoreUnavailableError)) return undefined;
      request.log.warn({ err, route: request.routeOptions.url }, 'registry store unavailable');
      return reply
        .code(503)
        .header('retry-after', '1')
        .send(errorBody('store_unavailable', `registry store unavailable: ${err.message}`));
    },
    onResponse: (method, route, statusCode, seconds) =>
      metrics.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds),
  });
  app.register(v1Routes, { store, serviceToken: opts.serviceToken, metrics, ...(opts.edgeHosts ? { edgeHosts: opts.edgeHosts } : {}) });

  // Callers only listen, inject and close: hand back the plain instance type, not the provider-typed one.
  return app as unknown as FastifyInstance;
}
