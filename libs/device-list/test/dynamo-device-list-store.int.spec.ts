/**
 * DynamoDeviceListStore on real DynamoDB Local: the shared DeviceListStore contract (the same suite
 * the memory store passes), then what only a real DynamoDB shows: table setup, the stored item
 * layout (TTL, sparse index), concurrent writers, an unreachable endpoint.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ensuredByReplicas, expectEachUnavailable, testTables, unreachableDynamo } from '@pushwire/dynamodb-kit/testing';
import { dynamoClientFromEnv } from '@pushwire/infra/testing';
import type { DeviceConnectionEvent } from '@pushwire/protocol';
import { DynamoDeviceListStore, ensureDeviceListTable, recordOf, StoreUnavailableError, type DeviceListStore } from '../src';
import { describeDeviceListStoreContract } from '../src/testing';

const client = dynamoClientFromEnv();
const tables = testTables(client, 'pushwire-device-list');
const { run } = tables;
const table = tables.name('test');

beforeAll(async () => {
  await ensureDeviceListTable(client, table);
});

describeDeviceListStoreContract('DynamoDeviceListStore on DynamoDB Local', async () => {
  const store = new DynamoDeviceListStore({ client, tableName: table });
  return { store, cleanup: () => store.close() };
});

let seq = 0;
/** A connection of device `n` of account `acct-<run>` on edge `edge-<run>`, newer than every one made before. */
function connected(n: number | string, over: Partial<DeviceConnectionEvent> = {}): DeviceConnectionEvent {
  const connectedAt = 1_760_000_000_000 + ++seq * 1_000;
  return {
    v: 1,
    kind: 'connected',
    accountId: `acct-${run}`,
    deviceId: `dev-${run}-${n}`,
    deviceType: 'phone',
    connectionId: `conn-${run}-${seq}`,
    connectedAt,
    edgeId: `edge-${run}`,
    edgeUrl: 'http://edge.test:8081',
    at: connectedAt,
    ...over,
  };
}
const rawItem = async (e: DeviceConnectionEvent) =>
  (
    await client.send(
      new GetItemCommand({ TableName: table, Key: { accountId: { S: e.accountId }, deviceId: { S: e.deviceId } }, ConsistentRead: true }),
    )
  ).Item;

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('ensureDeviceListTable', () => {
  it('makes an on-demand table with the edge index and TTL on expiresAt, and is safe to run again from several replicas at once', async () => {
    const { table: Table, ttl } = await ensuredByReplicas(client, tables.name('ensure'), ensureDeviceListTable);
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'accountId', KeyType: 'HASH' },
      { AttributeName: 'deviceId', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema, i.Projection?.ProjectionType])).toEqual([
      [
        'edge-index',
        [
          { AttributeName: 'onlineEdgeId', KeyType: 'HASH' },
          { AttributeName: 'deviceId', KeyType: 'RANGE' },
        ],
        'ALL',
      ],
    ]);
    expect(ttl).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('refuses a table of that name made for something else, naming it', async () => {
    const foreign = await tables.foreign('foreign');
    await expect(ensureDeviceListTable(client, foreign)).rejects.toThrow(`DynamoDB table ${foreign} cannot hold the device list`);
  });
});

describe('DynamoDeviceListStore on DynamoDB Local', () => {
  const stores: DeviceListStore[] = [];
  const open = (over: Partial<ConstructorParameters<typeof DynamoDeviceListStore>[0]> = {}) => {
    const store = new DynamoDeviceListStore({ client, tableName: table, ...over });
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('stores an online device in the edge index without expiry, and an offline one out of it with expiresAt = now + retention', async () => {
    const nowMs = 1_900_000_000_400;
    const store = open({ now: () => nowMs, offlineRetentionSeconds: 3_600 });
    const c = connected('ttl', { deviceName: 'Kitchen' });
    await store.apply(c);
    expect(await rawItem(c)).toMatchObject({ online: { BOOL: true }, onlineEdgeId: { S: c.edgeId }, deviceName: { S: 'Kitchen' } });
    expect((await rawItem(c))?.expiresAt).toBeUndefined();

    await store.apply({ ...c, kind: 'disconnected', at: c.at + 1 });
    const offline = await rawItem(c);
    expect(offline).toMatchObject({ online: { BOOL: false }, expiresAt: { N: String(1_900_000_000 + 3_600) } });
    expect(offline?.onlineEdgeId).toBeUndefined();

    // Connected again: back in the index, and no longer expiring.
    const again = connected('ttl');
    await store.apply(again);
    expect(await rawItem(again)).toMatchObject({ onlineEdgeId: { S: again.edgeId }, connectionId: { S: again.connectionId } });
    expect((await rawItem(again))?.expiresAt).toBeUndefined();
  });

  it('keeps 7 days of offline records by default', async () => {
    const nowMs = 1_900_000_000_000;
    const c = connected('default-retention');
    await open({ now: () => nowMs }).apply({ ...c, kind: 'disconnected' });
    expect((await rawItem(c))?.expiresAt).toEqual({ N: String(1_900_000_000 + 7 * 24 * 3600) });
  });

  it('ends on the newest change when several replicas apply the changes of the same devices at once', async () => {
    const replicas = [open(), open(), open()];
    const devices = Array.from({ length: 10 }, (_, i) => `race-${i}`);
    const changes = devices.flatMap((d) => {
      const older = connected(d);
      const newer = connected(d);
      return [older, { ...older, kind: 'disconnected' as const, at: older.at + 1 }, newer, { ...newer, at: newer.at + 5 }];
    });
    // Every replica applies every change, all at once, each replica in its own order.
    const results = await Promise.all(replicas.map((replica) => Promise.all(shuffled(changes).map((c) => replica.apply(c)))));
    // No change applies twice (the same event fails `eventAt < :at`), however many replicas send it.
    expect(results.flat().filter((x) => x.applied).length).toBeLessThanOrEqual(changes.length);
    const winners = changes.filter((_, i) => i % 4 === 3).map(recordOf);
    expect(await replicas[0]!.listOnline(`acct-${run}`).then((list) => list.filter((r) => r.deviceId.includes('race-')))).toEqual(winners);
  });

  it('rejects every operation with StoreUnavailableError, naming it, when DynamoDB is unreachable', async () => {
    const unreachable = new DynamoDBClient(await unreachableDynamo(1));
    const store = open({ client: unreachable });
    const c = connected('unreachable');
    try {
      await expectEachUnavailable(table, [
        ['PutItem', () => store.apply(c)],
        ['Query', () => store.listOnline(c.accountId)],
        ['Query', () => store.onlineOnEdge(c.edgeId)],
        ['PutItem', () => store.rememberEdge({ edgeId: c.edgeId, edgeUrl: c.edgeUrl })],
        ['Query', () => store.knownEdges()],
        ['DeleteItem', () => store.forgetEdge(c.edgeId)],
      ]);
      await expect(ensureDeviceListTable(unreachable, table)).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      unreachable.destroy();
    }
  });
});
