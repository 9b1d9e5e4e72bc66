/**
 * message-processor as a standalone service: indirect push from Kafka, delivered through the
 * registry and the edges. Configuration: libs/push-processor/src/processor-config.ts (every key).
 */
import { KafkaEventBus } from '@pushwire/event-bus';
import { loadProcessorConfig, processorKafkaTuning, ProcessorService } from '@pushwire/push-processor';
import { ConfigError, createLogger, onShutdownSignal, startTracing, warnIfSharedServiceToken } from '@pushwire/service-kit';

async function main(): Promise<void> {
  const tracing = startTracing('message-processor'); // OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set
  const logger = createLogger('message-processor');
  const config = loadProcessorConfig();
  warnIfSharedServiceToken(config.serviceTokens, logger);
  if (!config.kafkaBrokers) throw new ConfigError('KAFKA_BROKERS is required: host:port[,host:port…] of the Kafka cluster');
  const bus = new KafkaEventBus({
    brokers: config.kafkaBrokers.split(','),
    clientId: 'pushwire-message-processor',
    ...processorKafkaTuning(config),
    // The broker lost commits: the skipped records were handled (delivered, reported) already.
    onRefetchSkipped: (skipped) =>
      logger.warn(skipped, 'records handled before a lost offset commit came again; skipped, not delivered twice'),
  });
  const service = new ProcessorService({ config, bus, logger });
  onShutdownSignal(logger, async () => {
    logger.info('finishing in-flight messages');
    await service.stop();
    await bus.close();
    await tracing.shutdown();
  });
  const port = await service.start();
  logger.info({ port, brokers: config.kafkaBrokers, groupId: config.groupId, replay: config.replay }, 'message-processor ready');
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `message-processor: ${err.message}` : err);
  process.exit(1);
});
