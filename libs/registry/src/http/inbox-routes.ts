import {
  ErrorBody,
  InboxExpiredRequest,
  InboxExpiredResponse,
  InboxPendingRequest,
  InboxPendingResponse,
  InboxRemoveRequest,
  InboxRemoveResponse,
  InboxStoreRequest,
  InboxStoreResponse,
  Validators,
} from '@pushwire/protocol';
import { EDGE_ROLES, requireServiceToken, SENDER_ROLES, type ServiceTokens } from '@pushwire/service-kit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { InboxStore } from '../inbox/inbox-store';

/** Options of the /v1/inbox routes plugin. */
export interface InboxRoutesOptions {
  inbox: InboxStore;
  serviceTokens: ServiceTokens;
  /** Largest body of POST /v1/inbox/store (up to MAX_INBOX_BATCH entries with their payloads). */
  storeBodyLimitBytes: number;
}

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 413: ErrorBody, 500: ErrorBody, 503: ErrorBody };
const common = { tags: ['inbox'], security: [{ serviceToken: [] }] };

/**
 * The per-device inbox under /v1/inbox (docs/architecture.md, "Inbox"), behind service tokens:
 * senders (the processor, backends' push clients) store, remove what they delivered and take
 * expired entries; edges read inboxes (only edges: a sender token cannot read a device's messages)
 * and remove what they delivered. Whoever's remove or expired call answers with an entry reports
 * its final outcome.
 */
export const inboxRoutes: FastifyPluginAsyncTypebox<InboxRoutesOptions> = async (app, { inbox, serviceTokens, storeBodyLimitBytes }) => {
  requireServiceToken(app, serviceTokens);

  app.post(
    '/v1/inbox/store',
    {
      config: { serviceRoles: SENDER_ROLES },
      bodyLimit: storeBodyLimitBytes,
      schema: {
        ...common,
        summary: "Store messages that could not be delivered now in their devices' inboxes; one result per entry, in order",
        body: InboxStoreRequest,
        response: { 200: InboxStoreResponse, ...errors },
      },
    },
    // The schema holds the shape; the protocol's validator also holds each payload to MAX_PAYLOAD_DEPTH.
    async (request) => ({ results: await inbox.store(Validators.inboxStoreRequest.decode(request.body).entries) }),
  );

  app.post(
    '/v1/inbox/pending',
    {
      config: { serviceRoles: EDGE_ROLES },
      schema: {
        ...common,
        summary: "Unexpired entries of these devices' inboxes, oldest first, at most 25 per device (`more` when there are more)",
        body: InboxPendingRequest,
        response: { 200: InboxPendingResponse, ...errors },
      },
    },
    async (request) => ({ inboxes: await inbox.pending(request.body.devices) }),
  );

  app.post(
    '/v1/inbox/remove',
    {
      config: { serviceRoles: SENDER_ROLES },
      schema: {
        ...common,
        summary:
          'Take delivered entries out of their inboxes; `entry` comes back only to the call that took it (it reports the final outcome)',
        body: InboxRemoveRequest,
        response: { 200: InboxRemoveResponse, ...errors },
      },
    },
    async (request) => ({ results: await inbox.remove(request.body.items) }),
  );

  app.post(
    '/v1/inbox/expired',
    {
      config: { serviceRoles: SENDER_ROLES },
      schema: {
        ...common,
        summary: 'Take up to `limit` entries whose TTL has ended; the caller reports each `expired`',
        body: InboxExpiredRequest,
        response: { 200: InboxExpiredResponse, ...errors },
      },
    },
    async (request) => ({ entries: await inbox.takeExpired(request.body.limit) }),
  );
};
