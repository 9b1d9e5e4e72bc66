import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { EventBus } from '@pushwire/event-bus';
import { EnqueueRequest, EnqueueResponse, ErrorBody, Topics, type PushTarget, type PushMessage } from '@pushwire/protocol';
import {
  buildServiceApp,
  errorBody,
  requireServiceToken,
  requiredServiceTokens,
  type DependencyCheck,
  type Logger,
  type Registry,
  type ServiceTokenOptions,
} from '@pushwire/service-kit';
import { payloadNeverFits } from '@pushwire/push-client';
import { registerDlqRoutes } from './dlq-routes';
import { refuse, registerTopicRoutes, type Broadcast, type Publish } from './topic-routes';

/**
 * Puts one message on its priority's request topic; rejects with a PushClientError: `invalid_message`
 * for a message no retry can mend, another code when the bus cannot take it.
 */
export type Enqueue = (target: PushTarget, message: PushMessage, collapseKey?: string) => Promise<EnqueueResponse>;

export interface ProcessorAppOptions extends ServiceTokenOptions {
  readonly enqueue: Enqueue;
  /** POST /v1/topics/:topic/messages: the push client's `publish`. */
  readonly publish: Publish;
  /** POST /v1/broadcasts: the push client's `broadcast`. */
  readonly broadcast: Broadcast;
  /** Where GET /v1/outcomes tails the outcome topic from. */
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly metricsRegistry: Registry;
  /** The edges' largest frame: a payload larger can never be delivered and is refused 413. */
  readonly maxMessageBytes: number;
  /** What /readyz checks (the bus, the consumer group). Default: nothing beyond not closing. */
  readonly readiness?: readonly DependencyCheck[];
  /** Longest a scan of the dead-letter topic (GET /v1/dlq, POST /v1/dlq/replay) takes. Default 10 s. */
  readonly dlqScanTimeoutMs?: number;
}

/**
 * The message processor's HTTP API: indirect push for senders that do not speak Kafka
 * (POST /v1/push-requests → 202), topics and broadcast (POST /v1/topics/:topic/messages, POST
 * /v1/broadcasts → 200 with the message's place in the topic log), a live tail of outcomes as
 * server-sent events (GET /v1/outcomes, what `pushctl outcomes` reads), the dead letters (GET /v1/dlq, POST /v1/dlq/replay: `pushctl
 * dlq`), and the ops routes. /v1/* needs the service token.
 */
export function buildProcessorApp(opts: ProcessorAppOptions): FastifyInstance {
  const serviceTokens = requiredServiceTokens(opts, 'buildProcessorApp');
  const app = buildServiceApp({
    title: 'Pushwire message processor',
    description: 'Indirect push: enqueue messages, follow their outcomes.',
    logger: opts.logger,
    metricsRegistry: opts.metricsRegistry,
    readiness: opts.readiness,
  });
  // Open outcome tails end when the app closes (a hijacked response would otherwise hold close up).
  const tails = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...tails]) end();
  });
  app.register(async (plugin) => {
    const v1 = plugin.withTypeProvider<TypeBoxTypeProvider>();
    requireServiceToken(v1, serviceTokens);
    registerDlqRoutes(plugin, { bus: opts.bus, ...(opts.dlqScanTimeoutMs ? { timeoutMs: opts.dlqScanTimeoutMs } : {}) });
    registerTopicRoutes(plugin, opts);
    const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 413: ErrorBody, 503: ErrorBody };

    v1.post(
      '/v1/push-requests',
      {
        schema: {
          summary: 'Enqueue a message for indirect push',
          security: [{ serviceToken: [] }],
          body: EnqueueRequest,
          response: { 202: EnqueueResponse, ...errors },
        },
      },
      async (request, reply) => {
        const { target, message, collapseKey } = request.body;
        const tooLarge = payloadNeverFits(message.payload, opts.maxMessageBytes);
        if (tooLarge) return reply.code(413).send(errorBody('payload_too_large', tooLarge));
        try {
          return reply.code(202).send(await opts.enqueue(target, message, collapseKey));
        } catch (err) {
          return refuse(reply, err, 'could not enqueue', message.id);
        }
      },
    );

    v1.get(
      '/v1/outcomes',
      {
        schema: {
          summary: 'Follow push outcomes as server-sent events (one JSON outcome record per event)',
          security: [{ serviceToken: [] }],
        },
      },
      async (request, reply) => {
        // A group of its own, starting at the newest records: a tail, not a replay.
        const subscription = await opts.bus.subscribe({
          groupId: `pushwire-outcomes-tail-${randomUUID()}`,
          topics: [Topics.pushOutcomes],
          fromBeginning: false,
          handler: async (records) => {
            for (const r of records) reply.raw.write(`data: ${r.value}\n\n`);
          },
        });
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        reply.raw.write(': following pushwire.push-outcomes\n\n');
        const heartbeat = setInterval(() => reply.raw.write(': heartbeat\n\n'), 15_000);
        const end = () => {
          if (!tails.delete(end)) return;
          clearInterval(heartbeat);
          void subscription.stop();
          reply.raw.end();
        };
        tails.add(end);
        request.raw.on('close', end);
      },
    );
  });
  return app as unknown as FastifyInstance;
}
