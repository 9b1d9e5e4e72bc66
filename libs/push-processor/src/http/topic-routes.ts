import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { BroadcastRequest, BroadcastResult, ErrorBody, PublishRequest, PublishResult, TopicName } from '@pushwire/protocol';
import { payloadNeverFits, PushClientError } from '@pushwire/push-client';
import { Counter, errorBody, type Registry } from '@pushwire/service-kit';

/**
 * Appends one topic message to the topic log (the push client's `publish`); rejects with a
 * PushClientError: `invalid_message` for a message no retry can mend, another code when the bus
 * cannot take it.
 */
export type Publish = (topic: string, request: PublishRequest) => Promise<PublishResult>;
/** Appends one broadcast to the topic log (the push client's `broadcast`); rejects as Publish. */
export type Broadcast = (request: BroadcastRequest) => Promise<BroadcastResult>;

/** What the topic routes need: the publishing (the push client's), the payload limit, the metrics. */
export interface TopicRoutesOptions {
  readonly publish: Publish;
  readonly broadcast: Broadcast;
  /** The edges' largest frame: a payload larger can never be delivered and is refused 413. */
  readonly maxMessageBytes: number;
  readonly metricsRegistry: Registry;
}

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 413: ErrorBody, 503: ErrorBody };

/**
 * Topics and broadcast for senders that do not speak Kafka: `POST /v1/topics/:topic/messages`
 * (PublishRequest → 200 PublishResult) and `POST /v1/broadcasts` (BroadcastRequest → 200
 * BroadcastResult). Registered inside the service-token scope of /v1. The answer is the message's
 * place in the topic log, so it comes once the log has it (200, not 202: nothing is left to do).
 */
export function registerTopicRoutes(plugin: FastifyInstance, opts: TopicRoutesOptions): void {
  const v1 = plugin.withTypeProvider<TypeBoxTypeProvider>();
  const publishes = new Counter({
    name: 'pushwire_processor_topic_publishes_total',
    help: 'Topic messages (kind topic) and broadcasts (kind broadcast) appended to the topic log through the HTTP API.',
    labelNames: ['kind'],
    registers: [opts.metricsRegistry],
  });

  /** 413 for a payload no device frame can hold, else the append's answer: 200 with its place, or why not. */
  const answer = async (
    reply: FastifyReply,
    payload: unknown,
    kind: 'topic' | 'broadcast',
    what: string,
    append: () => Promise<unknown>,
  ) => {
    const tooLarge = payloadNeverFits(payload, opts.maxMessageBytes);
    if (tooLarge) return reply.code(413).send(errorBody('payload_too_large', tooLarge));
    try {
      const result = await append();
      publishes.inc({ kind });
      return reply.code(200).send(result);
    } catch (err) {
      return refuse(reply, err, what);
    }
  };

  v1.post(
    '/v1/topics/:topic/messages',
    {
      schema: {
        summary: 'Publish a message to every device subscribed to the topic',
        security: [{ serviceToken: [] }],
        params: Type.Object({ topic: TopicName }),
        body: PublishRequest,
        response: { 200: PublishResult, ...errors },
      },
    },
    (request, reply) =>
      answer(reply, request.body.payload, 'topic', `could not publish to ${request.params.topic}`, () =>
        opts.publish(request.params.topic, request.body),
      ),
  );

  v1.post(
    '/v1/broadcasts',
    {
      schema: {
        summary: 'Broadcast a message to every connected device (or to those of the given device types)',
        security: [{ serviceToken: [] }],
        body: BroadcastRequest,
        response: { 200: BroadcastResult, ...errors },
      },
    },
    (request, reply) => answer(reply, request.body.payload, 'broadcast', 'could not broadcast', () => opts.broadcast(request.body)),
  );
}

/**
 * The answer to a push client's refusal: a message no retry can mend (too deep, a bad id …) is the
 * sender's 400; the bus not taking it is a retriable 503 queue_unavailable. Anything else is a bug:
 * rethrown, so the service app answers 500 and logs it.
 */
export function refuse(reply: FastifyReply, err: unknown, what: string, messageId?: string): FastifyReply {
  if (!(err instanceof PushClientError)) throw err;
  if (err.code === 'invalid_message') return reply.code(400).send(errorBody('invalid_request', err.message));
  reply.request.log.warn({ err, messageId }, what);
  return reply
    .code(503)
    .header('retry-after', '1')
    .send(errorBody('queue_unavailable', `${what}: ${err.message}`));
}
