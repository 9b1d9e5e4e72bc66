import { openDynamoStore, type OpenedStore } from '@pushwire/dynamodb-kit';
import {
  buildRegistryApp,
  DynamoInboxStore,
  DynamoRegistryStore,
  EdgeHostAllowList,
  ensureInboxTable,
  ensureRegistryTables,
  MemoryInboxStore,
  MemoryRegistryStore,
  type InboxStore,
  type RegistryStore,
} from '@pushwire/registry';
import {
  ConfigError,
  createLogger,
  journalFromConfig,
  onShutdownSignal,
  startTracing,
  warnIfSharedServiceToken,
  type Logger,
} from '@pushwire/service-kit';
import { loadRegistryConfig, type RegistryConfig, type RegistryStoreKind } from './config';

async function openStore(config: RegistryConfig, logger: Logger): Promise<OpenedStore<RegistryStore>> {
  const kind = config.store as RegistryStoreKind;
  switch (kind) {
    case 'memory': {
      const store = new MemoryRegistryStore();
      return { store, close: () => store.close() };
    }
    case 'dynamodb': {
      const opened = await openDynamoStore(
        config,
        (client) => ensureRegistryTables(client, { table: config.table }),
        (client) => new DynamoRegistryStore({ client, table: config.table }),
      );
      logger.info(
        { table: config.table, region: config.awsRegion, endpoint: config.dynamodbEndpoint || 'aws' },
        'dynamodb registry store ready',
      );
      return opened;
    }
  }
}

/** The inbox on the same kind of store as the registry: memory, or its own DynamoDB table. */
async function openInbox(config: RegistryConfig, logger: Logger): Promise<OpenedStore<InboxStore>> {
  const limits = { maxMessages: config.inboxMaxMessages, maxBytes: config.inboxMaxBytes };
  const kind = config.store as RegistryStoreKind;
  switch (kind) {
    case 'memory': {
      const store = new MemoryInboxStore(limits);
      return { store, close: () => store.close() };
    }
    case 'dynamodb': {
      const opened = await openDynamoStore(
        config,
        (client) => ensureInboxTable(client, config.inboxTable),
        (client) => new DynamoInboxStore({ client, table: config.inboxTable, ...limits }),
      );
      logger.info({ table: config.inboxTable, ...limits }, 'dynamodb inbox store ready');
      return opened;
    }
  }
}

async function main(): Promise<void> {
  let config: RegistryConfig;
  let edgeHosts: EdgeHostAllowList | undefined;
  try {
    config = loadRegistryConfig();
    edgeHosts = config.edgeHosts ? EdgeHostAllowList.parse(config.edgeHosts) : undefined;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`registry: ${e.message}`);
    process.exit(1);
  }
  const tracing = startTracing('registry'); // OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set
  const logger = createLogger('registry');
  const opened = await openStore(config, logger);
  const inbox = await openInbox(config, logger).catch(async (e: unknown) => {
    await opened.close();
    throw e;
  });
  warnIfSharedServiceToken(config.serviceTokens, logger);
  const app = buildRegistryApp({
    store: opened.store,
    inbox: inbox.store,
    serviceTokens: config.serviceTokens,
    logger,
    edgeHosts,
    journal: journalFromConfig(config),
  });
  onShutdownSignal(logger, async () => {
    await app.close();
    await inbox.close();
    await opened.close();
    await tracing.shutdown();
  });
  await app.listen({ host: config.host, port: config.port });
  const { port } = app.server.address() as { port: number };
  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  logger.info(
    { api: `${base}/v1`, openapi: `${base}/openapi.json`, metrics: `${base}/metrics`, store: config.store },
    'registry listening',
  );
}

main().catch((err: unknown) => {
  console.error('registry: failed to start:', err);
  process.exit(1);
});
