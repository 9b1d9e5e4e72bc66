import { Validators, type DeviceInfo } from '@pushwire/protocol';
import { JsonHttpClient, ServiceCallError } from '@pushwire/service-kit';

/** The device-list service's HTTP API, as the edge uses it to answer `devices.list` / `devices.subscribe`. */
export class DeviceListClient {
  private readonly http: JsonHttpClient;
  private readonly baseUrl: string;

  constructor(opts: { baseUrl: string; serviceToken: string; timeoutMs?: number }) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.http = new JsonHttpClient({ serviceToken: opts.serviceToken, timeoutMs: opts.timeoutMs ?? 2000 });
  }

  /** The account's online devices. Rejects with ServiceCallError when the service fails or cannot be reached. */
  async list(accountId: string): Promise<DeviceInfo[]> {
    const url = `${this.baseUrl}/v1/accounts/${encodeURIComponent(accountId)}/devices`;
    const res = await this.http.call('GET', url, undefined, Validators.deviceListResponse);
    if (res.status !== 200) throw new ServiceCallError(`GET ${url} answered ${res.status}`, res.status >= 500, res.status);
    return res.body.devices;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
