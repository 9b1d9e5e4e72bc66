/** Test helpers for device-list stores: the shared contract suite. */
export { describeDeviceListStoreContract, type DeviceListStoreUnderTest } from './device-list-store-contract';
