import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { EventBusError, type EventBus } from '@pushwire/event-bus';
import {
  DlqListQuery,
  DlqListResponse,
  DlqReplayRequest,
  DlqReplayResponse,
  ErrorBody,
  MAX_DLQ_SELECTION,
  type DlqFilter,
} from '@pushwire/protocol';
import { errorBody, messageIdsForLog } from '@pushwire/service-kit';
import { readDeadLetters, type ReadOptions } from '../dlq/dead-letters';
import { replayDeadLetters } from '../dlq/dlq-replay';

export interface DlqRoutesOptions extends ReadOptions {
  readonly bus: EventBus;
}

/**
 * GET /v1/dlq (list dead letters) and POST /v1/dlq/replay (re-drive selected ones to their source
 * topic), on the scope they are registered in (which checks the service token). What `pushctl dlq`
 * calls; it works on whatever bus the processor runs on, the in-memory one of `npm start` included.
 */
export function registerDlqRoutes(scope: FastifyInstance, opts: DlqRoutesOptions): void {
  const v1 = scope.withTypeProvider<TypeBoxTypeProvider>();
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody };
  const busDown = (err: EventBusError) =>
    errorBody('queue_unavailable', `the dead-letter topic could not be read or replayed: ${err.message}`);

  v1.get(
    '/v1/dlq',
    {
      schema: {
        summary: 'List dead letters (pushwire.push-dlq), the oldest first, by reason and/or message id',
        security: [{ serviceToken: [] }],
        querystring: DlqListQuery,
        response: { 200: DlqListResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { reason, messageId, limit } = request.query;
      const n = limit === undefined ? undefined : Number(limit);
      if (n !== undefined && n > MAX_DLQ_SELECTION)
        return reply.code(400).send(errorBody('invalid_request', `limit must be at most ${MAX_DLQ_SELECTION}, got ${n}`));
      const filter: DlqFilter = {
        ...(reason ? { reason } : {}),
        ...(messageId ? { messageId: messageId.split(',') } : {}),
        ...(n !== undefined ? { limit: n } : {}),
      };
      try {
        return await readDeadLetters(opts.bus, filter, opts);
      } catch (err) {
        if (!(err instanceof EventBusError)) throw err;
        return reply.code(503).header('retry-after', '1').send(busDown(err));
      }
    },
  );

  v1.post(
    '/v1/dlq/replay',
    {
      schema: {
        summary: 'Re-drive selected dead letters to the request topic they came from (optionally with a fresh TTL, or as a dry run)',
        security: [{ serviceToken: [] }],
        body: DlqReplayRequest,
        response: { 200: DlqReplayResponse, ...errors },
      },
    },
    async (request, reply) => {
      try {
        const result = await replayDeadLetters(opts.bus, request.body, opts);
        request.log.info(
          {
            replayed: result.replayed.length,
            skipped: result.skipped.length,
            dryRun: result.dryRun,
            messageIds: messageIdsForLog(result.replayed.flatMap((r) => (r.messageId ? [r.messageId] : []))),
          },
          'dead letters replayed',
        );
        return result;
      } catch (err) {
        if (!(err instanceof EventBusError)) throw err;
        return reply.code(503).header('retry-after', '1').send(busDown(err));
      }
    },
  );
}
