import {
  MAX_INBOX_BATCH,
  Validators,
  type DeviceInbox,
  type DeviceRef,
  type InboxEntry,
  type InboxRemoveItem,
  type InboxRemoveResult,
  type InboxStoreResult,
} from '@pushwire/protocol';
import { expectStatus, joinUrl, JsonHttpClient, type ServiceCallOptions } from '@pushwire/service-http';
import { chunks } from './chunks';
import type { HttpRegistryClientOptions } from './http-registry-client';
import type { InboxClient } from './inbox-client';

/** Options of HttpInboxClient: where the registry is and the token to call it with, as for HttpRegistryClient. */
export type HttpInboxClientOptions = HttpRegistryClientOptions;

/**
 * InboxClient over the registry's /v1/inbox API. Answers are validated against the protocol
 * schemas; calls larger than MAX_INBOX_BATCH are split into several requests (those of a store one
 * after another, so one device's entries keep their order). Failures reject with a ServiceCallError
 * carrying the registry's error code (`store_unavailable`, `invalid_request` …) or `unreachable`:
 * retriable for transport errors, timeouts and 5xx, never for 4xx. `takeExpired` takes at most
 * MAX_INBOX_BATCH per call (the registry refuses more).
 */
export class HttpInboxClient implements InboxClient {
  private readonly http: JsonHttpClient;
  private readonly baseUrl: string;

  constructor(opts: HttpInboxClientOptions) {
    if (!opts.baseUrl) throw new TypeError('HttpInboxClient: baseUrl is required');
    if (!opts.serviceToken) throw new TypeError('HttpInboxClient: serviceToken is required');
    this.baseUrl = opts.baseUrl;
    this.http = new JsonHttpClient({ serviceToken: opts.serviceToken, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  }

  async store(entries: InboxEntry[], opts?: ServiceCallOptions): Promise<InboxStoreResult[]> {
    const results: InboxStoreResult[] = [];
    for (const batch of chunks(entries, MAX_INBOX_BATCH)) {
      const res = await this.http.call('POST', this.url('store'), {
        ...opts,
        body: { entries: batch },
        validator: Validators.inboxStoreResponse,
      });
      results.push(...expectStatus(res, 200, 'registry POST /v1/inbox/store').results);
    }
    return results;
  }

  async pending(devices: DeviceRef[], opts?: ServiceCallOptions): Promise<DeviceInbox[]> {
    const answers = await Promise.all(
      chunks(devices, MAX_INBOX_BATCH).map(async (batch) => {
        const res = await this.http.call('POST', this.url('pending'), {
          ...opts,
          body: { devices: batch },
          validator: Validators.inboxPendingResponse,
        });
        return expectStatus(res, 200, 'registry POST /v1/inbox/pending').inboxes;
      }),
    );
    return answers.flat();
  }

  async remove(items: InboxRemoveItem[], opts?: ServiceCallOptions): Promise<InboxRemoveResult[]> {
    const answers = await Promise.all(
      chunks(items, MAX_INBOX_BATCH).map(async (batch) => {
        const res = await this.http.call('POST', this.url('remove'), {
          ...opts,
          body: { items: batch },
          validator: Validators.inboxRemoveResponse,
        });
        return expectStatus(res, 200, 'registry POST /v1/inbox/remove').results;
      }),
    );
    return answers.flat();
  }

  async takeExpired(limit: number, opts?: ServiceCallOptions): Promise<InboxEntry[]> {
    const res = await this.http.call('POST', this.url('expired'), { ...opts, body: { limit }, validator: Validators.inboxExpiredResponse });
    return expectStatus(res, 200, 'registry POST /v1/inbox/expired').entries;
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private url(action: string): string {
    return joinUrl(this.baseUrl, 'v1', 'inbox', action);
  }
}
