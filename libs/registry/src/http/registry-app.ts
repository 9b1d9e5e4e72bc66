import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ValidationIssue } from '@pushwire/protocol';
import { createLogger, createMetricsRegistry, errorBody, type Logger, type Registry } from '@pushwire/service-kit';
import { StoreUnavailableError } from '../errors';
import type { RegistryStore } from '../registry-store';
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
}

/** Names the offending field of each schema violation, e.g. `body/registrations/0/deviceId`. */
function validationIssues(err: FastifyError): ValidationIssue[] {
  return (err.validation ?? []).map((v) => {
    const params = v.params as Record<string, unknown>;
    const field = params.missingProperty ?? params.additionalProperty;
    const path = `${err.validationContext ?? 'request'}${v.instancePath}${typeof field === 'string' ? `/${field}` : ''}`;
    return { path, message: v.message ?? v.keyword };
  });
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
  let closing = false;

  const app = Fastify({
    loggerInstance: logger,
    // Lookups are the hot path: one log line per request would cost more than the lookup.
    logController: new LogController({ disableRequestLogging: true }),
    // Reject what the schemas do not allow instead of silently dropping or coercing it.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation) {
      const details = validationIssues(err);
      const first = details[0];
      return reply.code(400).send(errorBody('invalid_request', `invalid request${first ? `: ${first.path} ${first.message}` : ''}`, details));
    }
    if (err instanceof StoreUnavailableError) {
      request.log.warn({ err, route: request.routeOptions.url }, 'registry store unavailable');
      return reply.code(503).header('retry-after', '1').send(errorBody('store_unavailable', `registry store unavailable: ${err.message}`));
    }
    if (err.statusCode === 413) return reply.code(413).send(errorBody('payload_too_large', err.message));
    if (err.statusCode === 400 && err.code?.startsWith('FST_ERR_CTP')) return reply.code(400).send(errorBody('invalid_json', err.message));
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send(errorBody('invalid_request', err.message));
    }
    request.log.error({ err, route: request.routeOptions.url }, 'registry request failed');
    return reply.code(500).send(errorBody('internal', 'internal error'));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)));

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.register(swagger, {
    openapi: {
      info: { title: 'Pushwire registry', version: '1', description: 'Where devices are connected: registrations and edge leases.' },
      components: { securitySchemes: { serviceToken: { type: 'http', scheme: 'bearer' } } },
    },
  });

  // Routes go in plugins registered after swagger so its onRoute hook sees every one of them.
  app.register(async (ops) => {
    ops.get('/healthz', { schema: { tags: ['ops'] } }, async () => ({ status: 'ok' }));
    ops.get('/readyz', { schema: { tags: ['ops'] } }, async (_request, reply) =>
      closing ? reply.code(503).send(errorBody('draining', 'shutting down')) : { status: 'ready' });
    ops.get('/metrics', { schema: { tags: ['ops'] } }, async (_request, reply) =>
      reply.type(metricsRegistry.contentType).send(await metricsRegistry.metrics()));
    ops.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  });
  app.register(v1Routes, { store, serviceToken: opts.serviceToken, metrics });

  // Callers only listen, inject and close: hand back the plain instance type, not the provider-typed one.
  return app as unknown as FastifyInstance;
}
