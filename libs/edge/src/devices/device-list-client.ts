import { Validators, type DeviceInfo } from '@pushwire/protocol';
import { expectStatus, joinUrl, JsonHttpClient } from '@pushwire/service-http';

/** The device-list service's HTTP API, as the edge uses it to answer `devices.list` / `devices.subscribe`. */
export class DeviceListClient {
  private readonly http: JsonHttpClient;
  private readonly baseUrl: string;

  constructor(opts: { baseUrl: string; serviceToken: string; timeoutMs?: number }) {
    this.baseUrl = opts.baseUrl;
    this.http = new JsonHttpClient({ serviceToken: opts.serviceToken, timeoutMs: opts.timeoutMs ?? 2000 });
  }

  /** The account's online devices. Rejects with ServiceCallError when the service fails or cannot be reached. */
  async list(accountId: string): Promise<DeviceInfo[]> {
    const url = joinUrl(this.baseUrl, 'v1', 'accounts', accountId, 'devices');
    const res = await this.http.call('GET', url, { validator: Validators.deviceListResponse });
    return expectStatus(res, 200, `device list GET ${url}`).devices;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
