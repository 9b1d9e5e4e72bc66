import { deviceRefKey, type DeviceRef, type Registration } from '@pushwire/protocol';

/**
 * The devices of a lookup that found no live record, once each, in the order asked. Matched by
 * account and device id: a record of another account's device with the same id does not count.
 */
export function missingDevices(asked: readonly DeviceRef[], found: readonly Registration[]): DeviceRef[] {
  const foundKeys = new Set(found.map(deviceRefKey));
  const missing = new Map<string, DeviceRef>();
  for (const { accountId, deviceId } of asked) {
    const key = deviceRefKey({ accountId, deviceId });
    if (!foundKeys.has(key)) missing.set(key, { accountId, deviceId });
  }
  return [...missing.values()];
}
