import {
  BatchGetItemCommand,
  QueryCommand,
  type BatchGetItemCommandInput,
  type DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { createDynamoClient, sendOrUnavailable } from '@pushwire/dynamodb-kit';
import {
  deviceRefKey,
  type DeregisterItem,
  type DeviceRef,
  type LeaseResponse,
  type LeaseStatus,
  type Registration,
} from '@pushwire/protocol';
import { StoreUnavailableError } from '@pushwire/service-kit';
import type { Clock, DeregisterResult, RegisterResult, RegistryStore } from '../registry-store';
import { batchGetAll, type UnprocessedKeysRetry } from './batch-get';
import { readLeases, releaseLease, renewLease } from './edge-leases';
import { parseRecord } from './items';
import { leaseIsLive, recordIsLive, recordUnexpired } from './liveness';
import { mapLimit } from './map-limit';
import { registerBatch } from './batch-register';
import { deregisterRecord } from './record-writes';
import type { TableContext } from './table-context';
import { ACCOUNT_ATTRIBUTE, ACCOUNT_INDEX, DEFAULT_REGISTRY_TABLE, deviceKey, deviceRefOfKey, type Key } from './table-schema';

/** Options of DynamoRegistryStore. */
export interface DynamoRegistryStoreOptions {
  /**
   * The client to use; close() leaves it open (whoever made it destroys it). Default: a client the
   * store makes with createDynamoClient(clientConfig) (@pushwire/dynamodb-kit) and destroys on close().
   */
  client?: DynamoDBClient;
  /** Config of the client the store makes when `client` is absent (region, endpoint, maxAttempts, …). */
  clientConfig?: DynamoDBClientConfig;
  /** Table of registrations and leases, made by ensureRegistryTables. Default DEFAULT_REGISTRY_TABLE. */
  table?: string;
  /** Clock in epoch milliseconds; every liveness decision uses it. Default `Date.now`. */
  now?: Clock;
  /**
   * Single conditional writes in flight per deregister batch, and per register batch for the
   * records its transactions could not settle (see registerBatch). Default 16.
   */
  writeConcurrency?: number;
  /** BatchGetItem requests per 100 keys while DynamoDB leaves keys unprocessed. Default 5. */
  batchGetMaxAttempts?: number;
  /** Full-jitter backoff between those requests: base and cap. Default 50 ms and 1 000 ms. */
  batchGetBaseDelayMs?: number;
  batchGetMaxDelayMs?: number;
  /** Items per Query page of the account index (its Limit). Default: DynamoDB's own 1 MB pages. */
  accountQueryPageSize?: number;
}

/**
 * RegistryStore on one DynamoDB table (see table-schema.ts; create it with ensureRegistryTables).
 * Fencing is done with condition expressions, liveness on every read (records and leases read with
 * strongly consistent reads, expired items filtered because DynamoDB deletes them lazily), and any
 * DynamoDB or network failure rejects with StoreUnavailableError.
 */
export class DynamoRegistryStore implements RegistryStore {
  private readonly ctx: TableContext;
  private readonly client: DynamoDBClient;
  private readonly ownsClient: boolean;
  private readonly now: Clock;
  private readonly writeConcurrency: number;
  private readonly accountQueryPageSize?: number;
  private closed = false;

  constructor(opts: DynamoRegistryStoreOptions = {}) {
    this.ownsClient = opts.client === undefined;
    this.client = opts.client ?? createDynamoClient(opts.clientConfig);
    this.now = opts.now ?? Date.now;
    this.writeConcurrency = opts.writeConcurrency ?? 16;
    this.accountQueryPageSize = opts.accountQueryPageSize;
    const table = opts.table ?? DEFAULT_REGISTRY_TABLE;
    const retry: UnprocessedKeysRetry = {
      maxAttempts: opts.batchGetMaxAttempts ?? 5,
      baseDelayMs: opts.batchGetBaseDelayMs ?? 50,
      maxDelayMs: opts.batchGetMaxDelayMs ?? 1_000,
      random: Math.random,
    };
    const send = (input: BatchGetItemCommandInput) =>
      sendOrUnavailable('BatchGetItem', table, () => this.client.send(new BatchGetItemCommand(input)));
    this.ctx = { client: this.client, table, batchGet: (keys) => batchGetAll(send, table, keys, retry) };
  }

  async register(registrations: Registration[]): Promise<RegisterResult[]> {
    this.assertOpen();
    const nowMs = this.now();
    const leases = await readLeases(
      this.ctx,
      registrations.map((r) => r.edgeId),
    );
    const outcomes = await registerBatch(this.ctx, registrations, leases, nowMs, this.writeConcurrency);
    return registrations.map((r, i) => ({ accountId: r.accountId, deviceId: r.deviceId, outcome: outcomes[i]! }));
  }

  async deregister(items: DeregisterItem[]): Promise<DeregisterResult[]> {
    this.assertOpen();
    return mapLimit(items, this.writeConcurrency, async (item) => ({
      accountId: item.accountId,
      deviceId: item.deviceId,
      outcome: await deregisterRecord(this.ctx, item),
    }));
  }

  async lookup(devices: DeviceRef[]): Promise<Registration[]> {
    this.assertOpen();
    return this.liveRecords(devices, this.now());
  }

  /**
   * Queries the account index, then re-reads what it found: the index is eventually consistent, so
   * it can still list a device that was deregistered, or show an old version of a record. Only the consistent re-read decides; a record written a moment ago may be
   * missing from the index yet, as in real DynamoDB it is for a short while.
   */
  async listByAccount(accountId: string): Promise<Registration[]> {
    this.assertOpen();
    const nowMs = this.now();
    const devices: DeviceRef[] = [];
    let startKey: Key | undefined;
    do {
      const page = await sendOrUnavailable('Query', this.ctx.table, () =>
        this.client.send(
          new QueryCommand({
            TableName: this.ctx.table,
            IndexName: ACCOUNT_INDEX,
            KeyConditionExpression: `${ACCOUNT_ATTRIBUTE} = :accountId`,
            ExpressionAttributeValues: { ':accountId': { S: accountId } },
            ExclusiveStartKey: startKey,
            Limit: this.accountQueryPageSize,
          }),
        ),
      );
      for (const key of page.Items ?? []) {
        const device = deviceRefOfKey(key);
        // The key names the account too: an index entry of another account's item is never read.
        if (device?.accountId === accountId) devices.push(device);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const records = await this.liveRecords(devices, nowMs);
    return records.filter((r) => r.accountId === accountId);
  }

  async renewLease(edgeId: string, edgeUrl: string, ttlSeconds: number, incarnation?: string): Promise<LeaseResponse> {
    this.assertOpen();
    return renewLease(this.ctx, edgeId, edgeUrl, ttlSeconds, this.now(), incarnation);
  }

  async releaseLease(edgeId: string): Promise<void> {
    this.assertOpen();
    await releaseLease(this.ctx, edgeId);
  }

  /** Strongly consistent reads of the lease items; lapsed ones DynamoDB has not deleted yet are left out. */
  async readLeases(edgeIds: string[]): Promise<LeaseStatus[]> {
    this.assertOpen();
    const nowMs = this.now();
    const leases = await readLeases(this.ctx, edgeIds);
    return [...leases.values()].filter((stored) => leaseIsLive(stored, nowMs)).map((stored) => ({ ...stored.lease, epoch: stored.epoch }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.client.destroy();
  }

  /** Consistent reads of the records, then of their edges' leases; only live records come back. */
  private async liveRecords(devices: DeviceRef[], nowMs: number): Promise<Registration[]> {
    const unique = [...new Map(devices.map((d) => [deviceRefKey(d), d])).values()];
    if (unique.length === 0) return [];
    const records = (await this.ctx.batchGet(unique.map(deviceKey))).map(parseRecord).filter((r) => recordUnexpired(r, nowMs));
    if (records.length === 0) return [];
    const leases = await readLeases(
      this.ctx,
      records.map((r) => r.registration.edgeId),
    );
    return records.filter((r) => recordIsLive(r, leases.get(r.registration.edgeId), nowMs)).map((r) => r.registration);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('the dynamodb registry store is closed');
  }
}
