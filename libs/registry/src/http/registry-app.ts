import type { FastifyInstance } from 'fastify';
import {
  buildServiceApp,
  createLogger,
  createMetricsRegistry,
  journalRoute,
  MessageJournal,
  storeUnavailableAs503,
  requiredServiceTokens,
  type Logger,
  type Registry,
  type ServiceTokens,
} from '@pushwire/service-kit';
import type { InboxStore } from '../inbox/inbox-store';
import { journaledInbox } from '../inbox/journaled-inbox';
import { MemoryInboxStore } from '../inbox/memory-inbox-store';
import type { RegistryStore } from '../registry-store';
import type { EdgeHostAllowList } from './edge-hosts';
import { createInboxMetrics, instrumentInbox } from './inbox-metrics';
import { inboxRoutes } from './inbox-routes';
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
  /**
   * The per-device inbox served under /v1/inbox. Not closed by the app when given. Default: a
   * MemoryInboxStore of the app's own, closed with it (tests, development).
   */
  inbox?: InboxStore;
  /** Largest body of POST /v1/inbox/store. Default DEFAULT_INBOX_STORE_BODY_LIMIT_BYTES. */
  inboxStoreBodyLimitBytes?: number;
  /**
   * This process's message journal, served on GET /v1/messages/:id/events; the inbox's stores,
   * removals and expiries are recorded in it as `registry`. Default: one of the app's own.
   */
  journal?: MessageJournal;
}

/**
 * Default body limit of POST /v1/inbox/store: a full batch (MAX_INBOX_BATCH entries) of payloads
 * of the edge's default largest frame (64 KiB) and their envelopes. Other routes keep fastify's 1 MiB.
 */
export const DEFAULT_INBOX_STORE_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/** The name the registry's journal events and answers carry. */
export const REGISTRY = 'registry';

/** An edge, account and device id no one uses: /readyz reads it to see each store answer. */
const PROBE_ID = 'pushwire-readyz-probe';

/**
 * Builds the registry HTTP app without listening (tests use `app.inject()`). /v1/* is the API of
 * `RegistryClient`, /v1/inbox/* that of `InboxClient`; /healthz, /readyz, /metrics and
 * /openapi.json are open.
 */
export function buildRegistryApp(opts: RegistryAppOptions): FastifyInstance {
  if (!opts.store) throw new TypeError('buildRegistryApp: store is required');
  const serviceTokens = requiredServiceTokens(opts, 'buildRegistryApp');
  const logger = opts.logger ?? createLogger('registry');
  const metricsRegistry = opts.metricsRegistry ?? createMetricsRegistry('registry');
  const metrics = createRegistryMetrics(metricsRegistry);
  const store = instrumentStore(opts.store, metrics);
  const ownInbox = opts.inbox ? undefined : new MemoryInboxStore();
  const inboxStore = opts.inbox ?? ownInbox!;
  const app = buildServiceApp({
    title: 'Pushwire registry',
    description:
      'Where devices are connected: registrations and edge leases; and the per-device inbox of messages kept until their device connects.',
    logger,
    metricsRegistry,
    mapError: storeUnavailableAs503('registry'),
    // The raw stores, so the probes stay out of the store metrics. Both are small keyed reads.
    readiness: [
      { dependency: 'registry-store', check: async () => void (await opts.store.readLeases([PROBE_ID])) },
      { dependency: 'inbox-store', check: async () => void (await inboxStore.pending([{ accountId: PROBE_ID, deviceId: PROBE_ID }])) },
    ],
    onResponse: (method, route, statusCode, seconds) =>
      metrics.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds),
  });
  app.register(v1Routes, { store, serviceTokens, metrics, ...(opts.edgeHosts ? { edgeHosts: opts.edgeHosts } : {}) });
  if (ownInbox) app.addHook('onClose', () => ownInbox.close());
  const journal = opts.journal ?? new MessageJournal();
  app.register(journalRoute, { journal, service: REGISTRY, serviceTokens });
  app.register(inboxRoutes, {
    inbox: journaledInbox(instrumentInbox(inboxStore, { ...createInboxMetrics(metricsRegistry), ...metrics }), journal.recorder(REGISTRY)),
    serviceTokens,
    storeBodyLimitBytes: opts.inboxStoreBodyLimitBytes ?? DEFAULT_INBOX_STORE_BODY_LIMIT_BYTES,
  });

  // Callers only listen, inject and close: hand back the plain instance type, not the provider-typed one.
  return app as unknown as FastifyInstance;
}
