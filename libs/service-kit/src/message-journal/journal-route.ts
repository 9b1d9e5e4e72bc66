import { MessageEventsParams, MessageEventsResponse, ErrorBody } from '@pushwire/protocol';
import type { FastifyInstance } from 'fastify';
import { requireServiceToken } from '../http-service-app';
import type { ServiceTokens } from '../service-roles';
import type { MessageJournal } from './message-journal';

/** Options of the journal route plugin. */
export interface JournalRouteOptions {
  readonly journal: MessageJournal;
  /** Named in the answer: registry, message-processor, all-in-one … */
  readonly service: string;
  readonly serviceTokens: ServiceTokens;
}

/**
 * `GET /v1/messages/:messageId/events` (sender or edge token): what this process recorded of a
 * message, for `pushctl trace`. An id the protocol would not take is a 400 `invalid_request`; an
 * unknown one an empty list (the other services may know it).
 */
export async function journalRoute(app: FastifyInstance, opts: JournalRouteOptions): Promise<void> {
  requireServiceToken(app, opts.serviceTokens);
  app.get<{ Params: { messageId: string } }>(
    '/v1/messages/:messageId/events',
    {
      schema: {
        tags: ['ops'],
        summary: "This process's journal of one message: its stages, in the order recorded",
        security: [{ serviceToken: [] }],
        params: MessageEventsParams,
        response: { 200: MessageEventsResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => ({ service: opts.service, events: opts.journal.eventsOf(request.params.messageId) }),
  );
}
