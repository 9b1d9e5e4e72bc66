import { Validators, type DeviceInfo } from '@pushwire/protocol';
import { expectStatus, joinUrl, JsonHttpClient, type ServiceCallOptions } from '@pushwire/service-http';

/** Options of DeviceListClient; each field states its default. */
export interface DeviceListClientOptions {
  /** Base URL of the device-list service, e.g. `http://device-list:8084`. Required. */
  baseUrl: string;
  /** Shared service token sent as `Authorization: Bearer …`. Required. */
  serviceToken: string;
  /** Deadline of each request. Default 2000 ms: a device waits for the answer. */
  timeoutMs?: number;
}

/**
 * The device-list service's HTTP API: the edge answers `devices.list` / `devices.subscribe` with
 * it, pushctl lists an account with it. Failures reject with a ServiceCallError carrying the
 * service's error code (`store_unavailable`, `unauthorized` …), or `unreachable` /
 * `invalid_response` when it gave none.
 */
export class DeviceListClient {
  private readonly http: JsonHttpClient;

  constructor(private readonly opts: DeviceListClientOptions) {
    if (!opts.baseUrl) throw new TypeError('DeviceListClient: baseUrl is required');
    if (!opts.serviceToken) throw new TypeError('DeviceListClient: serviceToken is required');
    this.http = new JsonHttpClient({ serviceToken: opts.serviceToken, timeoutMs: opts.timeoutMs ?? 2000 });
  }

  /** The account's online devices. */
  async list(accountId: string, opts?: ServiceCallOptions): Promise<DeviceInfo[]> {
    const url = joinUrl(this.opts.baseUrl, 'v1', 'accounts', accountId, 'devices');
    const res = await this.http.call('GET', url, { ...opts, validator: Validators.deviceListResponse });
    return expectStatus(res, 200, `device list GET ${url}`).devices;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
