import type { FastifyInstance } from 'fastify';
import type { EventBus, EventLog } from '@pushwire/event-bus';
import { PushClient } from '@pushwire/push-client';
import { HttpInboxClient, type InboxClient, type RegistryClient } from '@pushwire/registry-client';
import { createMetricsRegistry, journalFromConfig, journalRoute, listenOn, type Logger, type MessageJournal } from '@pushwire/service-kit';
import { pushClientDelivery } from './delivery-port';
import { buildProcessorApp } from './http/processor-app';
import { processorSettings, type ProcessorConfig } from './processor-config';
import { ProcessorMetrics } from './processor-metrics';
import { PushProcessor } from './push-processor';

export interface ProcessorServiceDeps {
  readonly config: ProcessorConfig;
  /** The bus, with the topic log the HTTP API publishes and broadcasts to (both adapters implement EventLog). */
  readonly bus: EventBus & EventLog;
  readonly logger: Logger;
  /** Registry access; default HTTP to `config.registryUrl` (the all-in-one passes its store). */
  readonly registry?: RegistryClient;
  /** The devices' inboxes; default HTTP to `config.registryUrl` (the all-in-one passes a StoreInboxClient). */
  readonly inbox?: InboxClient;
  /** This process's message journal (the all-in-one shares one); default one of the processor's own, bounded by its config. */
  readonly journal?: MessageJournal;
}

/** The name the processor's journal events and answers carry. */
const PROCESSOR = 'message-processor';

/**
 * The message processor as a service: the consumer (PushProcessor), the push client it delivers,
 * enqueues, publishes and broadcasts with, and its HTTP API, wired once for the standalone app and the all-in-one.
 */
export class ProcessorService {
  readonly processor: PushProcessor;
  readonly app: FastifyInstance;
  private readonly pushClient: PushClient;
  private readonly inbox: InboxClient;
  private readonly ownsInbox: boolean;

  constructor(private readonly deps: ProcessorServiceDeps) {
    const { config, bus, logger } = deps;
    const metricsRegistry = createMetricsRegistry('message-processor');
    const journal = deps.journal ?? journalFromConfig(config);
    this.pushClient = new PushClient({
      journal: journal.recorder(PROCESSOR),
      // Lookups and deliveries are a sender's work.
      serviceToken: config.serviceTokens.sender[0]!,
      bus,
      maxMessageBytes: config.maxMessageBytes,
      // A whole delivery wave to one edge in one request.
      batchMaxSize: config.deliveryWave,
      ...(deps.registry ? { registry: deps.registry } : { registryUrl: config.registryUrl }),
    });
    this.ownsInbox = !deps.inbox;
    this.inbox = deps.inbox ?? new HttpInboxClient({ baseUrl: config.registryUrl, serviceToken: config.serviceTokens.sender[0]! });
    this.processor = new PushProcessor({
      ...processorSettings(config),
      bus,
      delivery: pushClientDelivery(this.pushClient),
      inbox: this.inbox,
      logger,
      journal: journal.recorder(PROCESSOR),
      metrics: (lag) => new ProcessorMetrics(metricsRegistry, lag),
    });
    this.app = buildProcessorApp({
      serviceTokens: config.serviceTokens,
      bus,
      logger,
      metricsRegistry,
      readiness: this.processor.readinessChecks(),
      maxMessageBytes: config.maxMessageBytes,
      enqueue: (target, message, collapseKey) =>
        this.pushClient.enqueue(target, message.payload, {
          id: message.id,
          priority: message.priority,
          ttlSeconds: message.ttlSeconds,
          createdAt: message.createdAt,
          ack: message.ackRequired,
          collapseKey,
        }),
      publish: (topic, { payload, ...options }) => this.pushClient.publish(topic, payload, options),
      broadcast: ({ payload, ...options }) => this.pushClient.broadcast(payload, options),
    });
    this.app.register(journalRoute, { journal, service: PROCESSOR, serviceTokens: config.serviceTokens });
  }

  /** Creates the topics, joins the consumer group, then opens the HTTP API. Resolves with its port. */
  async start(): Promise<number> {
    await this.processor.start();
    return listenOn(this.app, this.deps.config.host, this.deps.config.port);
  }

  /** Closes the API, finishes and commits the batches in hand, leaves the group. The bus stays open (its owner closes it). */
  async stop(): Promise<void> {
    await this.app.close();
    await this.processor.stop();
    await this.pushClient.close();
    if (this.ownsInbox) await this.inbox.close();
  }
}
