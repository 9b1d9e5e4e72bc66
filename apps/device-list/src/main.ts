/**
 * device-list as a standalone service: consumes the edges' connection events from Kafka into
 * per-account device lists (DynamoDB or memory), notifies subscribed devices, marks crashed edges'
 * devices offline. Configuration: libs/device-list/src/device-list-config.ts (every key).
 */
import {
  DeviceListService,
  DynamoDeviceListStore,
  ensureDeviceListTable,
  loadDeviceListConfig,
  MemoryDeviceListStore,
  type DeviceListConfig,
  type DeviceListStore,
} from '@pushwire/device-list';
import { openDynamoStore, type OpenedStore } from '@pushwire/dynamodb-kit';
import { KafkaEventBus } from '@pushwire/event-bus';
import { ConfigError, createLogger, onShutdownSignal, startTracing, warnIfSharedServiceToken, type Logger } from '@pushwire/service-kit';

async function openStore(config: DeviceListConfig, logger: Logger): Promise<OpenedStore<DeviceListStore>> {
  if (config.store === 'memory') {
    logger.warn('memory store: the device list lives and dies with this process (use PUSHWIRE_DEVICE_LIST_STORE=dynamodb in production)');
    const store = new MemoryDeviceListStore();
    return { store, close: () => store.close() };
  }
  return openDynamoStore(
    config,
    (client) => ensureDeviceListTable(client, config.table),
    (client) => new DynamoDeviceListStore({ client, tableName: config.table }),
  );
}

async function main(): Promise<void> {
  const config = loadDeviceListConfig();
  if (!config.kafkaBrokers)
    throw new ConfigError('KAFKA_BROKERS is required: host:port[,host:port…] of the Kafka cluster the edges publish to');
  const tracing = startTracing('device-list'); // OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set
  const logger = createLogger('device-list');
  warnIfSharedServiceToken(config.serviceTokens, logger);
  const bus = new KafkaEventBus({
    brokers: config.kafkaBrokers.split(','),
    clientId: 'pushwire-device-list',
    // The broker lost commits: the skipped connection events were applied already.
    onRefetchSkipped: (skipped) => logger.warn(skipped, 'connection events handled before a lost offset commit came again; skipped'),
  });
  const opened = await openStore(config, logger);
  const service = new DeviceListService({ config, bus, store: opened.store, logger });
  onShutdownSignal(logger, async () => {
    await service.stop();
    await bus.close();
    await opened.close();
    await tracing.shutdown();
  });
  const port = await service.start();
  logger.info({ port, store: config.store, brokers: config.kafkaBrokers, registry: config.registryUrl }, 'device-list ready');
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `device-list: ${err.message}` : err);
  process.exit(1);
});
