import { DeviceClient, type DeviceClientOptions } from '@pushwire/device-client';

let urlLists: boolean | undefined;

/**
 * Whether this build of the device SDK takes several edge URLs (multi-URL failover): asked once by
 * building a client (it connects nothing) with a list, which an SDK without failover refuses as an
 * invalid URL.
 */
export function sdkTakesUrlList(): boolean {
  if (urlLists === undefined) {
    try {
      const probe = new DeviceClient({
        url: ['http://127.0.0.1:1', 'http://127.0.0.1:2'] as unknown as string,
        token: 'probe',
        reconnect: { enabled: false },
      });
      void probe.close();
      urlLists = true;
    } catch {
      urlLists = false;
    }
  }
  return urlLists;
}

/**
 * The `url` option of a soak device: every edge, starting with its `preferred` one (devices are
 * spread over the edges by it), so the SDK can fail over; the preferred edge alone where the SDK
 * takes one URL only.
 */
export function deviceUrlOption(edgeUrls: readonly string[], preferred: number): DeviceClientOptions['url'] {
  const start = preferred % edgeUrls.length;
  const ordered = [...edgeUrls.slice(start), ...edgeUrls.slice(0, start)];
  return (sdkTakesUrlList() ? ordered : ordered[0]!) as unknown as DeviceClientOptions['url'];
}
