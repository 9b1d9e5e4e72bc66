import { MemoryDeviceListStore } from './memory-device-list-store';
import { describeDeviceListStoreContract } from './testing';

describeDeviceListStoreContract('MemoryDeviceListStore', async () => {
  const store = new MemoryDeviceListStore();
  return { store, cleanup: () => store.close() };
});
