import {
  AccountId,
  DeregisterItem,
  DeviceRef,
  EdgeId,
  Validator,
  Validators,
  type DeregisterResponse,
  type LeaseResponse,
  type LeaseStatus,
  type LookupResponse,
  type RegisterResponse,
  type Registration,
} from '@pushwire/protocol';
import type { RegistryClient } from '@pushwire/registry-client';
import { missingDevices } from './missing-devices';
import type { RegistryStore } from './registry-store';
import { storeCall } from './store-call';

// The same schemas the HTTP routes validate with, so both clients reject the same inputs.
const deregisterItem = new Validator(DeregisterItem, 'deregistration');
const deviceRef = new Validator(DeviceRef, 'device');
const accountId = new Validator(AccountId, 'account id');
const edgeId = new Validator(EdgeId, 'edge id');

/** Options of StoreRegistryClient. */
export interface StoreRegistryClientOptions {
  /** Whether close() closes the store too. Default false: the store usually outlives its clients. */
  closeStore?: boolean;
}

/**
 * RegistryClient over a RegistryStore in the same process (the all-in-one, where edge and registry
 * share a process). It validates inputs with the same schemas as the HTTP API and fails the same
 * way as HttpRegistryClient: a ServiceCallError, retriable when the store is unavailable, so callers
 * handle one error type whichever client they were given.
 */
export class StoreRegistryClient implements RegistryClient {
  constructor(
    private readonly store: RegistryStore,
    private readonly opts: StoreRegistryClientOptions = {},
  ) {}

  register(registrations: Registration[]): Promise<RegisterResponse['results']> {
    return this.call('register', () => {
      for (const r of registrations) Validators.registration.decode(r);
      return this.store.register(registrations);
    });
  }

  deregister(items: DeregisterItem[]): Promise<DeregisterResponse['results']> {
    return this.call('deregister', () => {
      for (const item of items) deregisterItem.decode(item);
      return this.store.deregister(items);
    });
  }

  lookup(devices: DeviceRef[]): Promise<LookupResponse> {
    return this.call('lookup', async () => {
      for (const device of devices) deviceRef.decode(device);
      const registrations = await this.store.lookup(devices);
      return { registrations, missing: missingDevices(devices, registrations) };
    });
  }

  listByAccount(account: string): Promise<Registration[]> {
    return this.call('listByAccount', () => {
      accountId.decode(account);
      return this.store.listByAccount(account);
    });
  }

  renewLease(edge: string, edgeUrl: string, ttlSeconds: number, opts: { incarnation?: string } = {}): Promise<LeaseResponse> {
    return this.call('renewLease', () => {
      edgeId.decode(edge);
      const { incarnation } = opts;
      Validators.leaseRequest.decode({ edgeUrl, ttlSeconds, ...(incarnation !== undefined ? { incarnation } : {}) });
      return this.store.renewLease(edge, edgeUrl, ttlSeconds, incarnation);
    });
  }

  releaseLease(edge: string): Promise<void> {
    return this.call('releaseLease', () => {
      edgeId.decode(edge);
      return this.store.releaseLease(edge);
    });
  }

  leaseStatus(edgeIds: string[]): Promise<LeaseStatus[]> {
    return this.call('leaseStatus', () => {
      for (const id of edgeIds) edgeId.decode(id);
      return this.store.readLeases(edgeIds);
    });
  }

  async close(): Promise<void> {
    if (this.opts.closeStore) await this.store.close();
  }

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return storeCall(`registry ${what}`, fn);
  }
}
