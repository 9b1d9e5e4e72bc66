import { StoreUnavailableError } from '@pushwire/service-kit';
import type { ApplyResult, DeviceListStore, KnownEdge } from './device-list-store';
import { recordOf, type DeviceRecord, type DeviceStateChange } from './device-record';
import { isNewer } from './ordering';

/**
 * The device list in process memory, for `npm start` and unit tests. Same contract as the DynamoDB
 * store; offline records are kept like there (and die with the process).
 */
export class MemoryDeviceListStore implements DeviceListStore {
  private readonly accounts = new Map<string, Map<string, DeviceRecord>>();
  private readonly edges = new Map<string, KnownEdge>();
  private closed = false;

  async apply(change: DeviceStateChange): Promise<ApplyResult> {
    this.checkOpen();
    let devices = this.accounts.get(change.accountId);
    if (!devices) this.accounts.set(change.accountId, (devices = new Map()));
    const previous = devices.get(change.deviceId);
    if (previous && !isNewer(change, previous)) return { applied: false, current: { ...previous } };
    const record = recordOf(change);
    devices.set(change.deviceId, record);
    return { applied: true, record: { ...record }, previous: previous && { ...previous } };
  }

  async listOnline(accountId: string): Promise<DeviceRecord[]> {
    this.checkOpen();
    const devices = this.accounts.get(accountId);
    if (!devices) return [];
    return [...devices.values()]
      .filter((r) => r.online)
      .sort((a, b) => a.connectedAt - b.connectedAt)
      .map((r) => ({ ...r }));
  }

  async onlineOnEdge(edgeId: string): Promise<DeviceRecord[]> {
    this.checkOpen();
    const out: DeviceRecord[] = [];
    for (const devices of this.accounts.values()) {
      for (const r of devices.values()) if (r.online && r.edgeId === edgeId) out.push({ ...r });
    }
    return out;
  }

  async rememberEdge(edge: KnownEdge): Promise<void> {
    this.checkOpen();
    this.edges.set(edge.edgeId, { ...edge });
  }

  async knownEdges(): Promise<KnownEdge[]> {
    this.checkOpen();
    return [...this.edges.values()].map((e) => ({ ...e }));
  }

  async forgetEdge(edgeId: string): Promise<void> {
    this.checkOpen();
    this.edges.delete(edgeId);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreUnavailableError('device list store is closed');
  }
}
