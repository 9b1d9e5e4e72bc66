/** @pushwire/device-list — per-account device lists fed by edge connection events (docs/architecture.md, Flows). */
export type { ApplyResult, DeviceListStore, KnownEdge } from './device-list-store';
export { deviceInfoOf, recordOf, type DeviceRecord, type DeviceStateChange } from './device-record';
export { isNewer } from './ordering';
export { StoreUnavailableError } from '@pushwire/service-kit';
export { MemoryDeviceListStore } from './memory-device-list-store';
export { DynamoDeviceListStore, type DynamoDeviceListStoreOptions } from './dynamodb/dynamo-device-list-store';
export { ensureDeviceListTable, type EnsureDeviceListTableOptions } from './dynamodb/ensure-device-list-table';
export { DEFAULT_DEVICE_LIST_TABLE } from './dynamodb/table-layout';
export { AccountNotifier } from './account-notifier';
export { DeviceTracker } from './device-tracker';
export { DeviceEventConsumer, type DeviceEventConsumerOptions } from './event-consumer';
export { LeaseSweeper } from './lease-sweeper';
export { DeviceListMetrics } from './device-list-metrics';
export { buildDeviceListApp, type DeviceListAppOptions } from './http/device-list-app';
export { deviceListConfigSpec, loadDeviceListConfig, DEVICE_LIST_STORES, type DeviceListConfig } from './device-list-config';
export { DeviceListService, type DeviceListServiceDeps } from './device-list-service';
