import type { DeviceClient } from '../device-client';
import type { DeviceClientEvents } from '../events';

/**
 * Resolves with the payload of the next `event` of `client` (that satisfies `predicate`, if given),
 * or rejects after `timeoutMs`, naming the event, so tests wait for what happens instead of sleeping.
 */
export function waitForEvent<K extends keyof DeviceClientEvents>(
  client: DeviceClient,
  event: K,
  timeoutMs = 5000,
  predicate: (payload: DeviceClientEvents[K]) => boolean = () => true,
): Promise<DeviceClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const listener = (payload: DeviceClientEvents[K]) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      client.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`waitForEvent: no '${String(event)}' event within ${timeoutMs} ms (client state: ${client.state})`));
    }, timeoutMs);
    client.on(event, listener);
  });
}
