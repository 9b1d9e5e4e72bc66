import { mintDeviceToken } from '@pushwire/auth';
import { DeviceListService, loadDeviceListConfig, MemoryDeviceListStore } from '@pushwire/device-list';
import { startTestEdge, TEST_JWT_SECRET, TEST_SERVICE_TOKEN, type TestEdge } from '@pushwire/edge/testing';
import { MemoryEventBus } from '@pushwire/event-bus';
import { buildRegistryApp, MemoryRegistryStore, StoreRegistryClient } from '@pushwire/registry';
import { silentLogger } from '@pushwire/service-kit';
import type { TokenIssuer } from './test-page';

/** What the browser test runs against: the all-in-one's parts, in this process, on loopback ports the OS picks. */
export interface Platform {
  edge: TestEdge;
  /** The registry's HTTP API (what a PushClient is given). */
  registryUrl: string;
  /** The token the test's PushClient presents. */
  serviceToken: string;
  /** Device tokens for the page: valid ones from the edge's secret, and the two kinds it must refuse. */
  issue: TokenIssuer;
  stop(): Promise<void>;
}

/**
 * A real edge, the registry (HTTP API and store) and the device list, wired as `npm start` wires
 * them (in-memory bus and stores) but with test secrets and ports chosen by the OS. Stops what it
 * started if a later part fails to start.
 */
export async function startPlatform(): Promise<Platform> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const logger = silentLogger();
    const store = new MemoryRegistryStore();
    stops.push(() => store.close());
    const registryApp = buildRegistryApp({ store, serviceToken: TEST_SERVICE_TOKEN, logger });
    stops.push(() => registryApp.close());
    await registryApp.listen({ host: '127.0.0.1', port: 0 });
    const registryPort = (registryApp.server.address() as { port: number }).port;

    // The device list first: it creates the connection-events topic the edge publishes to.
    const bus = new MemoryEventBus();
    stops.push(() => bus.close());
    const deviceListStore = new MemoryDeviceListStore();
    stops.push(() => deviceListStore.close());
    const deviceList = new DeviceListService({
      config: loadDeviceListConfig({}, { host: '127.0.0.1', port: 0, serviceToken: TEST_SERVICE_TOKEN }),
      bus,
      store: deviceListStore,
      registry: new StoreRegistryClient(store),
      logger,
    });
    const deviceListPort = await deviceList.start();
    stops.push(() => deviceList.stop());

    const edge = await startTestEdge({ deviceListUrl: `http://127.0.0.1:${deviceListPort}` }, { store, eventBus: bus, logger });
    stops.push(() => edge.stop());

    const issue: TokenIssuer = async ({ accountId, deviceId, deviceType, kind }) => {
      if (kind === 'valid') return edge.token(accountId, deviceId, { deviceType });
      return mintDeviceToken({
        secret: kind === 'bad-signature' ? `not-${TEST_JWT_SECRET}` : TEST_JWT_SECRET,
        accountId,
        deviceId,
        deviceType,
        ...(kind === 'expired' ? { ttlSeconds: -60 } : {}),
      });
    };
    return { edge, registryUrl: `http://127.0.0.1:${registryPort}`, serviceToken: TEST_SERVICE_TOKEN, issue, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
