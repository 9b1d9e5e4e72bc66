/** @pushwire/device-list — per-account device lists fed by edge connection events (DESIGN.md §5). */
export type { ApplyResult, DeviceListStore, KnownEdge } from './device-list-store';
export { deviceInfoOf, recordOf, type DeviceRecord, type DeviceStateChange } from './device-record';
export { isNewer } from './ordering';
export { StoreUnavailableError } from './errors';
export { MemoryDeviceListStore } from './memory-device-list-store';
