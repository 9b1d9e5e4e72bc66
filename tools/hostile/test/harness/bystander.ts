import { randomUUID } from 'node:crypto';
import { mintDeviceToken } from '@pushwire/auth';
import type { ClusterEdge } from '@pushwire/cluster';
import { DeviceClient } from '@pushwire/device-client';
import { waitForEvent } from '@pushwire/device-client/testing';

/** The account of the normal devices whose service the hostile input must not disturb. */
export const BYSTANDER_ACCOUNT = 'bystanders';

/** What a bystander needs to ask for a push: the processor's HTTP door and the service token. */
export interface PushSender {
  enqueue(deviceId: string, messageId: string): Promise<void>;
}

/**
 * A normal device of another account, connected with the device SDK to one edge. After every batch
 * of hostile input it must still get a push sent to it through the whole path (processor → Kafka →
 * registry lookup → edge). It does not reconnect on its own: the harness reconnects it after it
 * restarted a process that a test brought down, so a drop shows up instead of healing silently.
 */
export class Bystander {
  private client?: DeviceClient;

  constructor(
    readonly deviceId: string,
    readonly edge: ClusterEdge,
    private readonly jwtSecret: string,
  ) {}

  get connected(): boolean {
    return this.client?.state === 'open';
  }

  /** Connects (again, if the last connection ended). */
  async connect(timeoutMs = 10_000): Promise<void> {
    if (this.connected) return;
    this.client?.close();
    const token = await mintDeviceToken({
      secret: this.jwtSecret,
      accountId: BYSTANDER_ACCOUNT,
      deviceId: this.deviceId,
      deviceType: 'tv',
    });
    const client = new DeviceClient({ url: this.edge.deviceUrl, token, reconnect: { enabled: false } });
    // Errors are what the assertions look at (a missing push, a closed state), not events to log.
    client.on('error', () => undefined);
    this.client = client;
    await Promise.race([
      client.connect(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`${this.deviceId}: no welcome within ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
  }

  /** Sends one push through `sender` and resolves with how long it took to arrive; rejects after `timeoutMs`. */
  async receivesPush(sender: PushSender, timeoutMs: number): Promise<number> {
    if (!this.client || !this.connected)
      throw new Error(`bystander ${this.deviceId} on ${this.edge.id} is not connected (${this.client?.state})`);
    const id = `by-${randomUUID()}`;
    const started = Date.now();
    const arrived = waitForEvent(this.client, 'push', timeoutMs, (p) => p.id === id);
    arrived.catch(() => undefined); // awaited below; this only keeps a failed enqueue from leaving it unhandled
    await sender.enqueue(this.deviceId, id);
    await arrived;
    return Date.now() - started;
  }

  close(): void {
    this.client?.close();
  }
}
