/** @pushwire/device-list-client — the device-list service's API as the edge and pushctl see it. */
export { DeviceListClient, type DeviceListClientOptions } from './device-list-client';
