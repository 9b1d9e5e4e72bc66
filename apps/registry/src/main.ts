import {
  buildRegistryApp,
  createRegistryDynamoClient,
  EdgeHostAllowList,
  DynamoRegistryStore,
  ensureRegistryTables,
  MemoryRegistryStore,
  type RegistryStore,
} from '@pushwire/registry';
import { ConfigError, createLogger, onShutdownSignal, type Logger } from '@pushwire/service-kit';
import { loadRegistryConfig, type RegistryConfig, type RegistryStoreKind } from './config';

/** The store, and how to let go of everything it holds. */
interface OpenStore {
  store: RegistryStore;
  close(): Promise<void>;
}

async function openStore(config: RegistryConfig, logger: Logger): Promise<OpenStore> {
  const kind = config.store as RegistryStoreKind;
  switch (kind) {
    case 'memory': {
      const store = new MemoryRegistryStore();
      return { store, close: () => store.close() };
    }
    case 'dynamodb': {
      // Credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID…, a role, SSO).
      const client = createRegistryDynamoClient({ region: config.awsRegion, endpoint: config.dynamodbEndpoint || undefined });
      try {
        if (config.createTables) await ensureRegistryTables(client, { table: config.table });
      } catch (e) {
        client.destroy();
        throw e;
      }
      logger.info(
        { table: config.table, region: config.awsRegion, endpoint: config.dynamodbEndpoint || 'aws' },
        'dynamodb registry store ready',
      );
      const store = new DynamoRegistryStore({ client, table: config.table });
      return {
        store,
        close: async () => {
          await store.close();
          client.destroy();
        },
      };
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
  const logger = createLogger('registry');
  const opened = await openStore(config, logger);
  const app = buildRegistryApp({ store: opened.store, serviceToken: config.serviceToken, logger, edgeHosts });
  onShutdownSignal(logger, async () => {
    await app.close();
    await opened.close();
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
