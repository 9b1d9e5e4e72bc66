import {
  MAX_REGISTRY_BATCH,
  Validators,
  type DeregisterItem,
  type DeregisterResponse,
  type LeaseResponse,
  type LeaseStatus,
  type LookupResponse,
  type RegisterResponse,
  type Registration,
} from '@pushwire/protocol';
import { JsonHttpClient, ServiceCallError, type JsonResponse } from '@pushwire/service-kit';
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
function chunks<T>(items: readonly T[], size = MAX_REGISTRY_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * RegistryClient over the registry's HTTP API. Answers are validated against the protocol schemas;
 * calls larger than MAX_REGISTRY_BATCH are split into several requests. Every failure rejects with a
 * ServiceCallError: retriable for transport errors, timeouts and 5xx, not retriable for 4xx (a bug
 * in the request, which sending again will not fix).
 */
export class HttpRegistryClient implements RegistryClient {
  private readonly http: JsonHttpClient;
  private readonly baseUrl: string;

  constructor(opts: HttpRegistryClientOptions) {
    if (!opts.baseUrl) throw new TypeError('HttpRegistryClient: baseUrl is required');
    if (!opts.serviceToken) throw new TypeError('HttpRegistryClient: serviceToken is required');
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.http = new JsonHttpClient({ serviceToken: opts.serviceToken, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  }

  async register(registrations: Registration[]): Promise<RegisterResponse['results']> {
    const answers = await Promise.all(
      chunks(registrations).map(async (batch) => {
        const res = await this.http.call('POST', this.url('/v1/registrations'), { registrations: batch }, Validators.registerResponse);
        return this.expect(res, 200, 'POST /v1/registrations').results;
      }),
    );
    return answers.flat();
  }

  async deregister(items: DeregisterItem[]): Promise<DeregisterResponse['results']> {
    const answers = await Promise.all(
      chunks(items).map(async (batch) => {
        const res = await this.http.call(
          'POST',
          this.url('/v1/registrations/remove'),
          { deregistrations: batch },
          Validators.deregisterResponse,
        );
        return this.expect(res, 200, 'POST /v1/registrations/remove').results;
      }),
    );
    return answers.flat();
  }

  async lookup(deviceIds: string[]): Promise<LookupResponse> {
    const answers = await Promise.all(
      chunks(deviceIds).map(async (batch) => {
        const res = await this.http.call('POST', this.url('/v1/lookup'), { deviceIds: batch }, Validators.lookupResponse);
        return this.expect(res, 200, 'POST /v1/lookup');
      }),
    );
    return {
      registrations: answers.flatMap((a) => a.registrations),
      missing: answers.flatMap((a) => a.missing),
    };
  }

  async listByAccount(accountId: string): Promise<Registration[]> {
    const path = `/v1/accounts/${encodeURIComponent(accountId)}/registrations`;
    const res = await this.http.call('GET', this.url(path), undefined, Validators.accountRegistrationsResponse);
    return this.expect(res, 200, `GET ${path}`).registrations;
  }

  async renewLease(edgeId: string, edgeUrl: string, ttlSeconds: number): Promise<LeaseResponse> {
    const path = `/v1/edges/${encodeURIComponent(edgeId)}/lease`;
    const res = await this.http.call('PUT', this.url(path), { edgeUrl, ttlSeconds }, Validators.leaseResponse);
    return this.expect(res, 200, `PUT ${path}`);
  }

  async releaseLease(edgeId: string): Promise<void> {
    const path = `/v1/edges/${encodeURIComponent(edgeId)}/lease`;
    const res = await this.http.call('DELETE', this.url(path));
    this.expect(res, 204, `DELETE ${path}`);
  }

  async leaseStatus(edgeIds: string[]): Promise<LeaseStatus[]> {
    const answers = await Promise.all(
      chunks([...new Set(edgeIds)]).map(async (batch) => {
        const res = await this.http.call('POST', this.url('/v1/leases/status'), { edgeIds: batch }, Validators.leaseStatusResponse);
        return this.expect(res, 200, 'POST /v1/leases/status').leases;
      }),
    );
    return answers.flat();
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** Returns the body on the expected status; anything else becomes a ServiceCallError with the server's message. */
  private expect<T>(res: JsonResponse<T>, status: number, what: string): T {
    if (res.status === status) return res.body;
    const serverMessage = Validators.errorBody.is(res.body) ? `${res.body.error.code}: ${res.body.error.message}` : `unexpected answer`;
    // 5xx and 429 may succeed later; other 4xx mean the request itself is wrong.
    const retriable = res.status >= 500 || res.status === 429;
    throw new ServiceCallError(`registry ${what} answered ${res.status}: ${serverMessage}`, retriable, res.status, res.body);
  }
}
