import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ProtocolValidationError, type ValidationIssue } from '@pushwire/protocol';
import type { Registry } from 'prom-client';
import { errorBody } from './errors';
import { answerFrameworkError, keepConnectionOnTooLarge, limitJsonDepth, MAX_PATH_PARAM_LENGTH } from './http-input-limits';
import type { Logger } from './logger';
import { Readiness, readinessAnswer, type DependencyCheck } from './readiness';
import { StoreUnavailableError } from './store-unavailable';
import { traceRequests } from './tracing/fastify-spans';
import { SENDER_ROLES, ServiceTokenVerifier, wrongRoleMessage, type ServiceRole, type ServiceTokens } from './service-roles';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles whose service tokens may call the route (see requireServiceToken). Default SENDER_ROLES. */
    serviceRoles?: readonly ServiceRole[];
  }
}

/** A fastify instance typed for TypeBox route schemas. */
export type ServiceApp = ReturnType<typeof createFastify>;

export interface ServiceAppOptions {
  /** OpenAPI title and description. */
  readonly title: string;
  readonly description: string;
  readonly logger: Logger;
  /** Served on /metrics. */
  readonly metricsRegistry: Registry;
  /** Errors the service knows (a store outage …) answered its own way; undefined → the common handling. */
  readonly mapError?: (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined;
  /** Called for every response, e.g. to feed a latency histogram. */
  readonly onResponse?: (method: string, route: string, statusCode: number, seconds: number) => void;
  /** What /readyz checks besides not closing: the stores, the bus … (503 `not_ready` naming each failing one). */
  readonly readiness?: readonly DependencyCheck[];
}

const createFastify = (logger: Logger) =>
  Fastify({
    loggerInstance: logger,
    // Internal APIs are hot paths: one log line per request would cost more than the work.
    logController: new LogController({ disableRequestLogging: true }),
    // Ids in paths (account, device) may be 128 characters (the protocol's limit); fastify's default
    // of 100 would refuse a valid long id before the schema could. Longer ones: answerFrameworkError.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: answerFrameworkError,
    // Reject what the schemas do not allow instead of silently dropping or coercing it.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

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
 * The fastify app every Pushwire HTTP service starts from: JSON error bodies for every failure
 * (400 with the offending field, 404, 413, 500, and the router's own errors), JSON bodies held to
 * MAX_JSON_DEPTH, OpenAPI from the route schemas at /openapi.json,
 * and the open ops routes /healthz, /readyz (503 once closing, or while a dependency of
 * `readiness` fails: `{status: 'not_ready', failing: [{dependency, reason}]}`) and /metrics. Register the service's
 * routes after this returns (in plugins, so swagger sees them), guarded by `requireServiceToken`.
 */
export function buildServiceApp(opts: ServiceAppOptions): ServiceApp {
  let closing = false;
  const app = createFastify(opts.logger);
  const readiness = new Readiness(opts.readiness ?? []);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation) {
      const details = validationIssues(err);
      const first = details[0];
      return reply
        .code(400)
        .send(errorBody('invalid_request', `invalid request${first ? `: ${first.path} ${first.message}` : ''}`, details));
    }
    // A body nested deeper than MAX_JSON_DEPTH (refused by the JSON parser).
    if (err instanceof ProtocolValidationError) return reply.code(400).send(errorBody('invalid_request', err.message, err.issues));
    const mapped = opts.mapError?.(err, request, reply);
    if (mapped) return mapped;
    if (err.statusCode === 413) {
      keepConnectionOnTooLarge(reply);
      return reply.code(413).send(errorBody('payload_too_large', err.message));
    }
    if (err.statusCode === 400 && err.code?.startsWith('FST_ERR_CTP')) return reply.code(400).send(errorBody('invalid_json', err.message));
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return reply.code(err.statusCode).send(errorBody('invalid_request', err.message));
    request.log.error({ err, route: request.routeOptions.url }, 'request failed');
    return reply.code(500).send(errorBody('internal', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${shortPath(request.url)}`)),
  );
  limitJsonDepth(app);
  traceRequests(app as unknown as FastifyInstance);
  if (opts.onResponse) {
    const observe = opts.onResponse;
    app.addHook('onResponse', async (request, reply) =>
      observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000),
    );
  }
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.register(swagger, {
    openapi: {
      info: { title: opts.title, version: '1', description: opts.description },
      components: { securitySchemes: { serviceToken: { type: 'http', scheme: 'bearer' } } },
    },
  });
  app.register(async (ops) => {
    ops.get('/healthz', { schema: { tags: ['ops'] } }, async () => ({ status: 'ok' }));
    ops.get('/readyz', { schema: { tags: ['ops'] } }, async (_request, reply) => {
      if (closing) return reply.code(503).send(errorBody('draining', 'shutting down'));
      const answer = readinessAnswer(await readiness.failing());
      return reply.code(answer.status).send(answer.body);
    });
    ops.get('/metrics', { schema: { tags: ['ops'] } }, async (_request, reply) =>
      reply.type(opts.metricsRegistry.contentType).send(await opts.metricsRegistry.metrics()),
    );
    ops.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  });
  return app;
}

/** The path of a URL for an error message, cut short: a client may send kilobytes of it. */
function shortPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.length > 128 ? `${path.slice(0, 128)}…` : path;
}

/** Listens on `host`:`port` (port 0: one the OS picks) and resolves with the port bound. */
export async function listenOn(app: FastifyInstance, host: string, port: number): Promise<number> {
  await app.listen({ host, port });
  return (app.server.address() as AddressInfo).port;
}

/**
 * Adds the service-token check to every route of the plugin it is called in: 401 + JSON for a token
 * that is none of ours, 403 `forbidden` for one of a role the route does not take. A route names
 * its roles in `config: { serviceRoles }` (default SENDER_ROLES: sender and edge tokens).
 */
export function requireServiceToken(app: Pick<FastifyInstance, 'addHook'>, tokens: ServiceTokens): void {
  const verifier = new ServiceTokenVerifier(tokens);
  (app as FastifyInstance).addHook('onRequest', async (request, reply) => {
    const roles = request.routeOptions.config.serviceRoles ?? SENDER_ROLES;
    const check = verifier.check(request.headers.authorization, roles);
    if (check === 'unauthorized') return reply.code(401).send(errorBody('unauthorized', 'missing or invalid service token'));
    if (check === 'forbidden') return reply.code(403).send(errorBody('forbidden', wrongRoleMessage(roles)));
  });
}

/**
 * The `mapError` of a service that keeps state in a store: StoreUnavailableError answered 503
 * store_unavailable with Retry-After: 1, since a failing store is never "not found", and logged as a
 * warning naming the route. `store` names it in both ("registry", "device list").
 */
export function storeUnavailableAs503(store: string): NonNullable<ServiceAppOptions['mapError']> {
  return (err, request, reply) => {
    if (!(err instanceof StoreUnavailableError)) return undefined;
    request.log.warn({ err, route: request.routeOptions.url }, `${store} store unavailable`);
    return reply
      .code(503)
      .header('retry-after', '1')
      .send(errorBody('store_unavailable', `${store} store unavailable: ${err.message}`));
  };
}
