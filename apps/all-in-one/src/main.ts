/**
 * `npm start`: the whole platform in one process for development — push-edge, registry (memory
 * store), message processor and device list (in-memory event bus and stores) on the default ports (docs/architecture.md, "Processes and ports"),
 * with development secrets unless real ones are set in the env.
 */
import { DeviceListService, loadDeviceListConfig, MemoryDeviceListStore } from '@pushwire/device-list';
import { authenticatorFromConfig, EdgeServer, loadEdgeConfig } from '@pushwire/edge';
import { MemoryEventBus } from '@pushwire/event-bus';
import { loadProcessorConfig, ProcessorService } from '@pushwire/push-processor';
import {
  buildRegistryApp,
  journaledInbox,
  MemoryInboxStore,
  MemoryRegistryStore,
  REGISTRY,
  StoreInboxClient,
  StoreRegistryClient,
} from '@pushwire/registry';
import { ConfigError, createLogger, DEV_DEFAULTS, journalFromConfig, onShutdownSignal, startTracing } from '@pushwire/service-kit';
import { loadAllInOneConfig } from './config';

async function main(): Promise<void> {
  const tracing = startTracing('pushwire'); // OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set
  const logger = createLogger('pushwire');
  const own = loadAllInOneConfig();
  const env = process.env;
  const tokensFromEnv = Boolean(env.PUSHWIRE_SENDER_TOKENS || env.PUSHWIRE_EDGE_TOKENS || env.PUSHWIRE_SERVICE_TOKEN);
  const usingDevSecrets = !tokensFromEnv || !(env.PUSHWIRE_JWT_SECRET || env.PUSHWIRE_JWT_PUBLIC_KEY || env.PUSHWIRE_JWT_JWKS_URL);
  const edgeConfig = loadEdgeConfig(env, {
    host: env.PUSHWIRE_EDGE_HOST ?? own.host,
    internalHost: env.PUSHWIRE_EDGE_INTERNAL_HOST ?? own.host,
    edgeId: env.PUSHWIRE_EDGE_ID ?? 'edge-1',
    // The role lists when set; else PUSHWIRE_SERVICE_TOKEN as the one token of this development
    // process; else the development tokens, one per role as in production (pushctl's is the sender's).
    ...(env.PUSHWIRE_SENDER_TOKENS || env.PUSHWIRE_EDGE_TOKENS
      ? {}
      : env.PUSHWIRE_SERVICE_TOKEN
        ? { serviceToken: env.PUSHWIRE_SERVICE_TOKEN }
        : { serviceTokens: { sender: [DEV_DEFAULTS.serviceToken], edge: [DEV_DEFAULTS.edgeToken] } }),
    ...(env.PUSHWIRE_JWT_SECRET || env.PUSHWIRE_JWT_PUBLIC_KEY || env.PUSHWIRE_JWT_JWKS_URL ? {} : { jwtSecret: DEV_DEFAULTS.jwtSecret }),
    drainSeconds: own.drainSeconds,
  });
  // Every part of this process takes and presents the same tokens.
  const { serviceTokens } = edgeConfig;

  // One journal for the process: each service tags its events with its own name, and every port's
  // GET /v1/messages/:id/events answers the whole life (pushctl trace asks the processor's).
  const journal = journalFromConfig(own);
  const store = new MemoryRegistryStore();
  // The devices' inboxes (stored messages), in memory: they live as long as this process.
  const inboxStore = new MemoryInboxStore({ maxMessages: own.inboxMaxMessages, maxBytes: own.inboxMaxBytes });
  const registryApp = buildRegistryApp({ store, inbox: inboxStore, serviceTokens, logger: logger.child({ service: 'registry' }), journal });
  await registryApp.listen({ host: own.host, port: own.registryPort });
  const registryPort = (registryApp.server.address() as { port: number }).port;

  // Edge and registry share the process, so the edge talks to the store directly.
  const registry = new StoreRegistryClient(store);
  // Around the store, not the client's HTTP routes: the edge and the processor reach it directly here.
  const inbox = new StoreInboxClient(journaledInbox(inboxStore, journal.recorder(REGISTRY)));
  // Indirect push and connection events on the in-memory bus: the same services as a cluster's, Kafka swapped for memory.
  const bus = new MemoryEventBus();

  // The device list first: it creates the connection-events topic the edge publishes to.
  const deviceListStore = new MemoryDeviceListStore();
  const deviceListConfig = loadDeviceListConfig(env, { host: own.host, port: own.deviceListPort, serviceTokens });
  const deviceList = new DeviceListService({
    config: deviceListConfig,
    bus,
    store: deviceListStore,
    registry,
    logger: logger.child({ service: 'device-list' }),
  });
  const deviceListPort = await deviceList.start();

  // The device list's real port (PUSHWIRE_DEVICE_LIST_PORT=0 picks a free one).
  const deviceListUrl = env.PUSHWIRE_DEVICE_LIST_URL || `http://${own.host === '0.0.0.0' ? '127.0.0.1' : own.host}:${deviceListPort}`;
  const edge = new EdgeServer({
    config: { ...edgeConfig, deviceListUrl },
    authenticator: authenticatorFromConfig(edgeConfig),
    registry,
    inbox,
    logger: logger.child({ service: 'push-edge' }),
    eventBus: bus,
    journal,
    // Topic messages and broadcasts: the same bus is the topic log the processor appends to.
    topicLog: bus,
  });
  await edge.listen();

  const processorConfig = loadProcessorConfig(env, {
    host: own.host,
    port: own.processorPort,
    registryUrl: `http://${own.host}:${registryPort}`,
    serviceTokens,
  });
  const processor = new ProcessorService({
    config: processorConfig,
    bus,
    logger: logger.child({ service: 'message-processor' }),
    registry,
    inbox,
    journal,
  });
  const processorPort = await processor.start();

  const host = own.host === '0.0.0.0' ? '127.0.0.1' : own.host;
  const lines = [
    'Pushwire is running (all-in-one: push-edge + registry + message processor + device list, in-memory stores and queue)',
    `  devices   ws://${host}:${edge.devicePort}/v1/connect   (WebSocket)`,
    `            http://${host}:${edge.devicePort}/v1/events  (SSE)`,
    `  deliver   ${edge.internalUrl}/v1/deliver   metrics ${edge.internalUrl}/metrics`,
    `  registry  http://${host}:${registryPort}/v1   OpenAPI http://${host}:${registryPort}/openapi.json`,
    `  enqueue   http://${host}:${processorPort}/v1/push-requests   outcomes http://${host}:${processorPort}/v1/outcomes   (in-memory queue)`,
    `  devices   http://${host}:${deviceListPort}/v1/accounts/<account>/devices   (device list)`,
    usingDevSecrets
      ? '  secrets   DEVELOPMENT defaults (set PUSHWIRE_SENDER_TOKENS, PUSHWIRE_EDGE_TOKENS and PUSHWIRE_JWT_SECRET for anything else)'
      : '  secrets   from the environment',
    '  try       npx pushctl listen --account a1 --device tv1   then   npx pushctl send --device tv1 --data \'{"hello":"world"}\'',
    '            npx pushctl enqueue --device tv1 --data \'{"hello":"queue"}\' --priority high   and   npx pushctl outcomes',
    '            npx pushctl devices --account a1   and   npx pushctl d2d --account a1 --from phone1 --to tv1 --data \'{"play":1}\'',
    "            npx pushctl trace <messageId>   (a message's life: accepted, stored, written, delivered …)",
    '  stop      Ctrl-C',
  ];
  process.stdout.write(`\n${lines.join('\n')}\n\n`);

  onShutdownSignal(logger, async () => {
    await processor.stop();
    await edge.drain(edgeConfig.drainSeconds * 1000);
    await edge.stop();
    await deviceList.stop();
    await bus.close();
    await deviceListStore.close();
    await registryApp.close();
    await inboxStore.close();
    await store.close();
    await tracing.shutdown();
    process.stdout.write('Pushwire stopped.\n');
  });
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `pushwire: ${err.message}` : err);
  process.exit(1);
});
