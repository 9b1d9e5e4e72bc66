import {
  DeviceRef,
  InboxRemoveItem,
  Validator,
  Validators,
  type DeviceInbox,
  type InboxEntry,
  type InboxRemoveResult,
  type InboxStoreResult,
} from '@pushwire/protocol';
import type { InboxClient } from '@pushwire/registry-client';
import { storeCall } from '../store-call';
import type { InboxStore } from './inbox-store';

// The same schemas the /v1/inbox routes validate with, so both clients reject the same inputs.
const deviceRef = new Validator(DeviceRef, 'device');
const removeItem = new Validator(InboxRemoveItem, 'inbox remove item');

/** Options of StoreInboxClient. */
export interface StoreInboxClientOptions {
  /** Whether close() closes the store too. Default false: the store usually outlives its clients. */
  closeStore?: boolean;
}

/**
 * InboxClient over an InboxStore in the same process (the all-in-one). It validates inputs with the
 * schemas of the HTTP API and fails as HttpInboxClient does: a ServiceCallError, retriable when the
 * store is unavailable. Calls of any size are taken (the HTTP client splits them into requests).
 */
export class StoreInboxClient implements InboxClient {
  constructor(
    private readonly inbox: InboxStore,
    private readonly opts: StoreInboxClientOptions = {},
  ) {}

  store(entries: InboxEntry[]): Promise<InboxStoreResult[]> {
    return storeCall('registry inbox store', () => {
      for (const entry of entries) Validators.inboxEntry.decode(entry);
      return this.inbox.store(entries);
    });
  }

  pending(devices: DeviceRef[]): Promise<DeviceInbox[]> {
    return storeCall('registry inbox pending', () => {
      for (const device of devices) deviceRef.decode(device);
      return this.inbox.pending(devices);
    });
  }

  remove(items: InboxRemoveItem[]): Promise<InboxRemoveResult[]> {
    return storeCall('registry inbox remove', () => {
      for (const item of items) removeItem.decode(item);
      return this.inbox.remove(items);
    });
  }

  takeExpired(limit: number): Promise<InboxEntry[]> {
    return storeCall('registry inbox expired', () => {
      Validators.inboxExpiredRequest.decode({ limit });
      return this.inbox.takeExpired(limit);
    });
  }

  async close(): Promise<void> {
    if (this.opts.closeStore) await this.inbox.close();
  }
}
