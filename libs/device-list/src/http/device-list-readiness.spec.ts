import { MemoryEventBus } from '@pushwire/event-bus';
import { MemoryRegistryStore, StoreRegistryClient } from '@pushwire/registry';
import { silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import { loadDeviceListConfig } from '../device-list-config';
import { DeviceListService } from '../device-list-service';
import { MemoryDeviceListStore } from '../memory-device-list-store';

describe('device list /readyz', () => {
  let bus: MemoryEventBus;
  let store: MemoryDeviceListStore;
  let registryStore: MemoryRegistryStore;
  let service: DeviceListService;

  beforeEach(async () => {
    bus = new MemoryEventBus();
    store = new MemoryDeviceListStore();
    registryStore = new MemoryRegistryStore({ sweepIntervalMs: 0 });
    const config = loadDeviceListConfig(
      {},
      { serviceToken: 'device-list-readiness', host: '127.0.0.1', port: 0, sweepIntervalMs: 600_000 },
    );
    service = new DeviceListService({ config, bus, store, registry: new StoreRegistryClient(registryStore), logger: silentLogger() });
    await service.start();
  });
  afterEach(async () => {
    await service.stop();
    await Promise.all([bus.close(), store.close(), registryStore.close()]);
  });
  const readyz = async () => {
    const res = await service.app.inject({ method: 'GET', url: '/readyz' });
    return { status: res.statusCode, body: res.json() as unknown };
  };

  it('is ready while the store answers and the consumer is in its group', async () => {
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('answers 503 naming the store when it does not answer', async () => {
    store.listOnline = () => Promise.reject(new Error('dynamodb: connection refused'));
    expect(await readyz()).toEqual({
      status: 503,
      body: { status: 'not_ready', failing: [{ dependency: 'device-list-store', reason: 'dynamodb: connection refused' }] },
    });
  });

  it('answers 503 naming the bus and the consumer group when the bus is gone', async () => {
    await bus.close();
    await waitFor(async () => (await readyz()).status === 503, { what: '/readyz 503', timeoutMs: 5000 });
    expect((await readyz()).body).toMatchObject({
      status: 'not_ready',
      failing: [{ dependency: 'event-bus' }, { dependency: 'consumer-group' }],
    });
  });
});
