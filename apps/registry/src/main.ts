import { buildRegistryApp, MemoryRegistryStore, type RegistryStore } from '@pushwire/registry';
import { ConfigError, createLogger, loadConfig, onShutdownSignal } from '@pushwire/service-kit';
import { registryConfigSpec, type RegistryConfig, type RegistryStoreKind } from './config';

function buildStore(kind: RegistryStoreKind): RegistryStore {
  switch (kind) {
    case 'memory':
      return new MemoryRegistryStore();
  }
}

async function main(): Promise<void> {
  let config: RegistryConfig;
  try {
    config = loadConfig(registryConfigSpec);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`registry: ${e.message}`);
    process.exit(1);
  }
  const logger = createLogger('registry');
  const store = buildStore(config.store as RegistryStoreKind);
  const app = buildRegistryApp({ store, serviceToken: config.serviceToken, logger });
  onShutdownSignal(logger, async () => {
    await app.close();
    await store.close();
  });
  await app.listen({ host: config.host, port: config.port });
  const { port } = app.server.address() as { port: number };
  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  logger.info({ api: `${base}/v1`, openapi: `${base}/openapi.json`, metrics: `${base}/metrics`, store: config.store }, 'registry listening');
}

main().catch((err: unknown) => {
  console.error('registry: failed to start:', err);
  process.exit(1);
});
