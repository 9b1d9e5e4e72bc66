import {
  MAX_REGISTRY_BATCH,
  Validators,
  type DeregisterItem,
  type DeregisterResponse,
  type DeviceRef,
  type LeaseResponse,
  type LeaseStatus,
  type LookupResponse,
  type RegisterResponse,
  type Registration,
} from '@pushwire/protocol';
import { expectStatus, joinUrl, JsonHttpClient, type ServiceCallOptions } from '@pushwire/service-http';
import { chunks } from './chunks';
import type { RegistryClient } from './registry-client';

/** Options of HttpRegistryClient. */
export interface HttpRegistryClientOptions {
  /** Base URL of the registry service, e.g. `http://registry:8082`. */
  baseUrl: string;
  /** Shared service token sent as `Authorization: Bearer …`. */
  serviceToken: string;
  /** Per-request deadline. Default 5000 ms (JsonHttpClient's default). */
  timeoutMs?: number;
}

/** Splits `items` into chunks the registry accepts in one request. */
const batches = <T>(items: readonly T[]): T[][] => chunks(items, MAX_REGISTRY_BATCH);

/** The path of a URL, to name a call in an error message. */
const pathOf = (url: string): string => new URL(url).pathname;

/**
 * RegistryClient over the registry's HTTP API. Answers are validated against the protocol schemas;
 * calls larger than MAX_REGISTRY_BATCH are split into several requests. Every failure rejects with a
 * ServiceCallError carrying the registry's error code (`store_unavailable`, `invalid_request` …), or
 * `unreachable` / `invalid_response` when it gave none: retriable for transport errors, timeouts and
 * 5xx, not retriable for 4xx (a bug in the request, which sending again will not fix).
 */
export class HttpRegistryClient implements RegistryClient {
  private readonly http: JsonHttpClient;
  private readonly baseUrl: string;

  constructor(opts: HttpRegistryClientOptions) {
    if (!opts.baseUrl) throw new TypeError('HttpRegistryClient: baseUrl is required');
    if (!opts.serviceToken) throw new TypeError('HttpRegistryClient: serviceToken is required');
    this.baseUrl = opts.baseUrl;
    this.http = new JsonHttpClient({ serviceToken: opts.serviceToken, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  }

  async register(registrations: Registration[], opts?: ServiceCallOptions): Promise<RegisterResponse['results']> {
    const answers = await Promise.all(
      batches(registrations).map(async (batch) => {
        const res = await this.http.call('POST', this.url('v1', 'registrations'), {
          ...opts,
          body: { registrations: batch },
          validator: Validators.registerResponse,
        });
        return expectStatus(res, 200, 'registry POST /v1/registrations').results;
      }),
    );
    return answers.flat();
  }

  async deregister(items: DeregisterItem[], opts?: ServiceCallOptions): Promise<DeregisterResponse['results']> {
    const answers = await Promise.all(
      batches(items).map(async (batch) => {
        const res = await this.http.call('POST', this.url('v1', 'registrations', 'remove'), {
          ...opts,
          body: { deregistrations: batch },
          validator: Validators.deregisterResponse,
        });
        return expectStatus(res, 200, 'registry POST /v1/registrations/remove').results;
      }),
    );
    return answers.flat();
  }

  async lookup(devices: DeviceRef[], opts?: ServiceCallOptions): Promise<LookupResponse> {
    const answers = await Promise.all(
      batches(devices).map(async (batch) => {
        const res = await this.http.call('POST', this.url('v1', 'lookup'), {
          ...opts,
          body: { devices: batch },
          validator: Validators.lookupResponse,
        });
        return expectStatus(res, 200, 'registry POST /v1/lookup');
      }),
    );
    return {
      registrations: answers.flatMap((a) => a.registrations),
      missing: answers.flatMap((a) => a.missing),
    };
  }

  async listByAccount(accountId: string, opts?: ServiceCallOptions): Promise<Registration[]> {
    const url = this.url('v1', 'accounts', accountId, 'registrations');
    const res = await this.http.call('GET', url, { ...opts, validator: Validators.accountRegistrationsResponse });
    return expectStatus(res, 200, `registry GET ${pathOf(url)}`).registrations;
  }

  async renewLease(
    edgeId: string,
    edgeUrl: string,
    ttlSeconds: number,
    opts: ServiceCallOptions & { incarnation?: string } = {},
  ): Promise<LeaseResponse> {
    const url = this.url('v1', 'edges', edgeId, 'lease');
    const { incarnation, ...call } = opts;
    const body = { edgeUrl, ttlSeconds, ...(incarnation !== undefined ? { incarnation } : {}) };
    const res = await this.http.call('PUT', url, { ...call, body, validator: Validators.leaseResponse });
    return expectStatus(res, 200, `registry PUT ${pathOf(url)}`);
  }

  async releaseLease(edgeId: string, opts?: ServiceCallOptions): Promise<void> {
    const url = this.url('v1', 'edges', edgeId, 'lease');
    const res = await this.http.call('DELETE', url, opts);
    expectStatus(res, 204, `registry DELETE ${pathOf(url)}`);
  }

  async leaseStatus(edgeIds: string[], opts?: ServiceCallOptions): Promise<LeaseStatus[]> {
    const answers = await Promise.all(
      batches([...new Set(edgeIds)]).map(async (batch) => {
        const res = await this.http.call('POST', this.url('v1', 'leases', 'status'), {
          ...opts,
          body: { edgeIds: batch },
          validator: Validators.leaseStatusResponse,
        });
        return expectStatus(res, 200, 'registry POST /v1/leases/status').leases;
      }),
    );
    return answers.flat();
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private url(...segments: string[]): string {
    return joinUrl(this.baseUrl, ...segments);
  }
}
