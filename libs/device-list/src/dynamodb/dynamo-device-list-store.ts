import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { sendOrUnavailable } from '@pushwire/dynamodb-kit';
import { dynamoUnavailable, StoreUnavailableError } from '@pushwire/service-kit';
import type { ApplyResult, DeviceListStore, KnownEdge } from '../device-list-store';
import { recordOf, type DeviceRecord, type DeviceStateChange } from '../device-record';
import { deviceItem, edgeItem, parseDeviceItem, parseEdgeItem, type Item } from './device-items';
import { DEFAULT_DEVICE_LIST_TABLE, EDGE_INDEX, EDGE_INDEX_KEY, EDGES_PARTITION, PARTITION_KEY, SORT_KEY } from './table-layout';

/** Options of DynamoDeviceListStore. */
export interface DynamoDeviceListStoreOptions {
  /** The client to use; close() leaves it open (whoever made it destroys it). */
  client: DynamoDBClient;
  /** The table, made by ensureDeviceListTable. Default DEFAULT_DEVICE_LIST_TABLE. */
  tableName?: string;
  /** How long an offline record is kept (its `expiresAt`) to outlive late events about older connections. Default 7 days. */
  offlineRetentionSeconds?: number;
  /** Clock in epoch milliseconds, for `expiresAt`. Default `Date.now`. */
  now?: () => number;
}

const SEVEN_DAYS_SECONDS = 7 * 24 * 3600;

/**
 * `isNewer` (ordering.ts) as a condition on the stored item: the write goes ahead if there is no
 * item yet, or the stored connection is older, or it is as old with a smaller connection id, or it
 * is the same connection written by an earlier event. Strings compare by UTF-8 bytes in DynamoDB and
 * by UTF-16 code units in `isNewer`; ids are ASCII (the protocol's ID_PATTERN), where both agree.
 */
const NEWER_THAN_STORED =
  'attribute_not_exists(accountId) OR connectedAt < :c OR (connectedAt = :c AND connectionId < :cid) ' +
  'OR (connectedAt = :c AND connectionId = :cid AND eventAt < :at)';

/**
 * DeviceListStore on one DynamoDB table (layout in table-layout.ts; create it with
 * ensureDeviceListTable). Each `apply` is one conditional PutItem, so concurrent writers and stale
 * events cannot flip a newer state; reads of an account are strongly consistent; any DynamoDB or
 * network failure rejects with StoreUnavailableError.
 *
 * `onlineOnEdge` reads a global secondary index, which DynamoDB updates asynchronously: a device that
 * connected or moved a moment ago may be missing or still listed. That suits its one use, lease-lapse
 * sweeps: the synthetic `disconnected` they apply is itself conditional, so a stale entry changes nothing.
 */
export class DynamoDeviceListStore implements DeviceListStore {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly offlineRetentionSeconds: number;
  private readonly now: () => number;
  private closed = false;

  constructor(opts: DynamoDeviceListStoreOptions) {
    this.client = opts.client;
    this.table = opts.tableName ?? DEFAULT_DEVICE_LIST_TABLE;
    this.offlineRetentionSeconds = opts.offlineRetentionSeconds ?? SEVEN_DAYS_SECONDS;
    this.now = opts.now ?? Date.now;
  }

  async apply(change: DeviceStateChange): Promise<ApplyResult> {
    this.assertOpen();
    assertAccountId(change.accountId);
    const record = recordOf(change);
    try {
      const out = await sendOrUnavailable('PutItem', this.table, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: deviceItem(record, this.now(), this.offlineRetentionSeconds),
            ConditionExpression: NEWER_THAN_STORED,
            ExpressionAttributeValues: {
              ':c': { N: String(change.connectedAt) },
              ':cid': { S: change.connectionId },
              ':at': { N: String(change.at) },
            },
            ReturnValues: 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return { applied: true, record, previous: out.Attributes ? parseDeviceItem(out.Attributes) : undefined };
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      // The condition only fails against an existing item, which ALL_OLD returns.
      if (!e.Item) throw dynamoUnavailable('PutItem', this.table, new Error('condition failed without returning the stored item'));
      return { applied: false, current: parseDeviceItem(e.Item) };
    }
  }

  async listOnline(accountId: string): Promise<DeviceRecord[]> {
    this.assertOpen();
    assertAccountId(accountId);
    const items = await this.queryAll({
      KeyConditionExpression: `${PARTITION_KEY} = :account`,
      FilterExpression: '#online = :true',
      ExpressionAttributeNames: { '#online': 'online' },
      ExpressionAttributeValues: { ':account': { S: accountId }, ':true': { BOOL: true } },
      ConsistentRead: true,
    });
    // Items come in device id order; connect time first, device id breaks ties.
    return items.map(parseDeviceItem).sort((a, b) => a.connectedAt - b.connectedAt);
  }

  async onlineOnEdge(edgeId: string): Promise<DeviceRecord[]> {
    this.assertOpen();
    const items = await this.queryAll({
      IndexName: EDGE_INDEX,
      KeyConditionExpression: `${EDGE_INDEX_KEY} = :edge`,
      ExpressionAttributeValues: { ':edge': { S: edgeId } },
    });
    return items.map(parseDeviceItem);
  }

  async rememberEdge(edge: KnownEdge): Promise<void> {
    this.assertOpen();
    await sendOrUnavailable('PutItem', this.table, () =>
      this.client.send(new PutItemCommand({ TableName: this.table, Item: edgeItem(edge) })),
    );
  }

  async knownEdges(): Promise<KnownEdge[]> {
    this.assertOpen();
    const items = await this.queryAll({
      KeyConditionExpression: `${PARTITION_KEY} = :edges`,
      ExpressionAttributeValues: { ':edges': { S: EDGES_PARTITION } },
      ConsistentRead: true,
    });
    return items.map(parseEdgeItem);
  }

  async forgetEdge(edgeId: string): Promise<void> {
    this.assertOpen();
    const Key = { [PARTITION_KEY]: { S: EDGES_PARTITION }, [SORT_KEY]: { S: edgeId } };
    await sendOrUnavailable('DeleteItem', this.table, () => this.client.send(new DeleteItemCommand({ TableName: this.table, Key })));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Every item a Query matches, page after page. */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await sendOrUnavailable('Query', this.table, () =>
        this.client.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start })),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('the dynamodb device list store is closed');
  }
}

/** The edge partition's `#` can never be an account id (ID_PATTERN); refuse rather than mix the two. */
function assertAccountId(accountId: string): void {
  if (accountId.includes('#')) throw new RangeError(`"${accountId}" is not an account id (contains "#")`);
}
