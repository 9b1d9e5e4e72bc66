/**
 * push-edge as a standalone service: device port + internal port, registry over HTTP.
 * Configuration: see `libs/edge/src/edge-config.ts` (every PUSHWIRE_* key with its default).
 */
import { authenticatorFromConfig, EdgeServer, loadEdgeConfig } from '@pushwire/edge';
import { KafkaEventBus } from '@pushwire/event-bus';
import { HttpInboxClient, HttpRegistryClient } from '@pushwire/registry-client';
import { ConfigError, createLogger, onShutdownSignal, startTracing, warnIfSharedServiceToken } from '@pushwire/service-kit';

async function main(): Promise<void> {
  const tracing = startTracing('push-edge'); // OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set
  const logger = createLogger('push-edge');
  const config = loadEdgeConfig();
  warnIfSharedServiceToken(config.serviceTokens, logger);
  // Registering routes and holding the lease is edge-role work: the edge presents its edge token.
  const registry = new HttpRegistryClient({ baseUrl: config.registryUrl, serviceToken: config.serviceTokens.edge[0]! });
  // The devices' inboxes, also served by the registry: read on connect, emptied as stored messages are delivered.
  const inbox = new HttpInboxClient({ baseUrl: config.registryUrl, serviceToken: config.serviceTokens.edge[0]! });
  // Connection events for the device list go to Kafka when brokers are configured (the device-list
  // service creates the topic with its partition count).
  const eventBus = config.kafkaBrokers
    ? new KafkaEventBus({ brokers: config.kafkaBrokers.split(','), clientId: `pushwire-edge-${config.edgeId}` })
    : undefined;
  // The same Kafka bus is the topic log every edge reads in full (topic messages and broadcasts);
  // without brokers, subscribes are answered `unavailable`.
  const edge = new EdgeServer({
    config,
    authenticator: authenticatorFromConfig(config),
    registry,
    inbox,
    logger,
    eventBus,
    topicLog: eventBus,
  });
  await edge.listen();
  logger.info(
    {
      edgeId: edge.edgeId,
      devicePort: edge.devicePort,
      deviceHost: config.host,
      internalHost: config.internalHost,
      internalUrl: edge.internalUrl,
      healthPort: edge.healthPort || '(off: PUSHWIRE_EDGE_HEALTH_PORT)',
      registry: config.registryUrl,
      deviceList: config.deviceListUrl || '(none: devices.list/subscribe disabled)',
      kafka: config.kafkaBrokers || '(none: no connection events, no topics)',
    },
    'push-edge ready',
  );
  onShutdownSignal(
    logger,
    async () => {
      logger.info({ connections: edge.connections, drainSeconds: config.drainSeconds }, 'draining');
      await edge.drain(config.drainSeconds * 1000);
      await edge.stop();
      await registry.close();
      await inbox.close();
      await eventBus?.close();
      await tracing.shutdown();
    },
    (config.drainSeconds + 15) * 1000,
  );
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `push-edge: ${err.message}` : err);
  process.exit(1);
});
