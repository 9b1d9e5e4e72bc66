import type { AccountNotice } from '@pushwire/protocol';
import { EdgeClient } from '@pushwire/edge-client';
import type { DeviceRecord } from './device-record';

/**
 * Tells an account's devices that one of them came or went: one `POST {edgeUrl}/v1/notify` per edge
 * holding any of the account's online devices; each edge writes the frame to the connections that
 * subscribed. Best effort by design: a device that misses a notice resyncs with `devices.list` (the
 * SDK re-subscribes, which returns the full list, after every reconnect).
 */
export class AccountNotifier {
  private readonly edges: EdgeClient;

  constructor(opts: { serviceToken: string; timeoutMs?: number }) {
    // Notices are small and never wait for a device: a few connections per edge carry them.
    this.edges = new EdgeClient({ serviceToken: opts.serviceToken, timeoutMs: opts.timeoutMs ?? 1000, connectionsPerEdge: 16 });
  }

  /** Sends the notice to the edges of `online` (the account's online devices); resolves with how many edges failed. */
  async notify(notice: AccountNotice, online: readonly DeviceRecord[]): Promise<number> {
    const edges = new Set(online.map((r) => r.edgeUrl));
    const answers = await Promise.allSettled([...edges].map((edgeUrl) => this.edges.notify(edgeUrl, notice)));
    return answers.filter((a) => a.status === 'rejected').length;
  }

  async close(): Promise<void> {
    await this.edges.close();
  }
}
