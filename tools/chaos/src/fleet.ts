import { mintDeviceToken } from '@pushwire/auth';
import { DeviceClient, type ReconnectOptions } from '@pushwire/device-client';
import { deviceRefKey } from '@pushwire/protocol';
import type { RegistryClient } from '@pushwire/registry-client';
import { deviceUrlOption } from './edge-urls';

/** One SDK device of the soak. */
export interface FleetDevice {
  readonly accountId: string;
  readonly deviceId: string;
  /** `<accountId>/<deviceId>`, the ledger's target key. */
  readonly key: string;
  readonly client: DeviceClient;
}

export interface FleetOptions {
  readonly accountId: string;
  /** Device ids are `<prefix><n>`. */
  readonly prefix: string;
  readonly count: number;
  /** Every edge's device URL; device n prefers edge n mod edges. */
  readonly edgeUrls: readonly string[];
  readonly jwtSecret: string;
  readonly reconnect: ReconnectOptions;
  /** The app got a push (the SDK's 'push' event, after its de-duplication). */
  readonly onPush: (messageId: string, deviceKey: string, at: number) => void;
  /** A raw push frame arrived (before de-duplication). */
  readonly onFrame?: (messageId: string, deviceKey: string) => void;
}

/**
 * SDK devices spread over the edges, reconnecting on their own. Each asks for a fresh token at
 * every (re)connect, so a long soak never runs into token expiry.
 */
export class Fleet {
  readonly devices: FleetDevice[];
  /** Welcomes after the first one, over every device: how often devices reconnected. */
  reconnects = 0;

  constructor(opts: FleetOptions) {
    this.devices = Array.from({ length: opts.count }, (_, n) => {
      const deviceId = `${opts.prefix}${n}`;
      const key = deviceRefKey({ accountId: opts.accountId, deviceId });
      const client = new DeviceClient({
        url: deviceUrlOption(opts.edgeUrls, n),
        token: () => mintDeviceToken({ secret: opts.jwtSecret, accountId: opts.accountId, deviceId, deviceType: 'tv', ttlSeconds: 3600 }),
        reconnect: opts.reconnect,
      });
      let welcomed = false;
      client.on('welcome', () => {
        if (welcomed) this.reconnects++;
        welcomed = true;
      });
      client.on('push', (push) => opts.onPush(push.id, key, Date.now()));
      client.on('frame', (frame) => {
        if (frame.type === 'push') opts.onFrame?.(frame.id, key);
      });
      // The SDK reports connection trouble as 'error' events; the soak measures it through probes.
      client.on('error', () => undefined);
      return { accountId: opts.accountId, deviceId, key, client };
    });
  }

  /** Connects every device, `concurrency` at a time; rejects if one is not welcomed within `timeoutMs`. */
  async connectAll(concurrency: number, timeoutMs: number): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < this.devices.length) {
        const device = this.devices[next++]!;
        await Promise.race([
          device.client.connect(),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error(`${device.key} was not welcomed within ${timeoutMs} ms`)), timeoutMs).unref(),
          ),
        ]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, this.devices.length) }, worker));
  }

  /** Devices with an open connection now. */
  connected(): number {
    return this.devices.filter((d) => d.client.state === 'open').length;
  }

  pick(random: () => number): FleetDevice {
    return this.devices[Math.floor(random() * this.devices.length)]!;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.devices.map((d) => d.client.close()));
  }
}

/**
 * Waits until the registry resolves every device (a welcome comes before the edge's registration
 * is written), so traffic starts against devices a sender can reach, at most `timeoutMs`. Resolves
 * with how many were still not routable then (0: all are); a registry that cannot keep up with the
 * fleet's registrations is a finding, not a reason to give up the run.
 */
export async function waitUntilRoutable(registry: RegistryClient, devices: readonly FleetDevice[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let missing = devices.length;
  while (Date.now() < deadline) {
    try {
      const answer = await registry.lookup(devices.map((d) => ({ accountId: d.accountId, deviceId: d.deviceId })));
      missing = answer.missing.length;
      if (missing === 0) return 0;
    } catch {
      // the registry may still be warming up; ask again
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return missing;
}
