/**
 * DynamoInboxStore on real DynamoDB Local: the shared InboxStore contract (the suite the memory
 * store passes), then what only a real DynamoDB shows: table setup, items DynamoDB still holds past
 * their expiry, replicas storing to one device at once, and an unreachable endpoint.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ensuredByReplicas, expectEachUnavailable, testTables, unreachableDynamo } from '@pushwire/dynamodb-kit/testing';
import { dynamoClientFromEnv } from '@pushwire/infra/testing';
import type { InboxEntry } from '@pushwire/protocol';
import { DynamoInboxStore, ensureInboxTable, type InboxStore } from '../src';
import { describeInboxStoreContract, ManualClock } from '../src/testing';

const client = dynamoClientFromEnv();
const tables = testTables(client, 'pushwire-inbox');
const { run } = tables;
let tableNo = 0;

/** A fresh inbox table: takeExpired sees every device of a table, so each contract test gets its own. */
async function freshTable(): Promise<string> {
  const table = tables.name(`t${++tableNo}`);
  await ensureInboxTable(client, table, { pollMs: 50 });
  return table;
}

describeInboxStoreContract(
  'DynamoInboxStore on DynamoDB Local',
  async (clock, bounds) => new DynamoInboxStore({ client, table: await freshTable(), now: clock.now, ...bounds }),
);

let seq = 0;
function entry(clock: ManualClock, device: string, ttlMs = 600_000): InboxEntry {
  const now = clock.now();
  return {
    target: { accountId: `acct-${run}`, deviceId: `dev-${run}-${device}` },
    message: { id: `msg-${run}-${++seq}`, payload: { n: seq }, createdAt: now },
    enqueuedAt: now,
    expiresAt: now + ttlMs,
    storedAt: now,
    source: 'queued',
    attempts: 0,
  };
}

describe('ensureInboxTable', () => {
  it('makes an on-demand table with TTL on purgeAt and the expiry index, and is safe to run again from several replicas at once', async () => {
    const { table, ttl } = await ensuredByReplicas(client, tables.name('ensure'), (c, t) => ensureInboxTable(c, t, { pollMs: 50 }));
    expect(table?.TableStatus).toBe('ACTIVE');
    expect(table?.KeySchema?.map((k) => k.AttributeName)).toEqual(['pk', 'sk']);
    expect(table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema?.map((k) => k.AttributeName)])).toEqual([
      ['expiry-index', ['expShard', 'expiresAt']],
    ]);
    expect(ttl).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'purgeAt' });
  });

  it('refuses a table of that name made for something else, naming it', async () => {
    const foreign = await tables.foreign('foreign');
    await expect(ensureInboxTable(client, foreign)).rejects.toThrow(`DynamoDB table ${foreign} exists but cannot hold the inbox`);
  });
});

describe('DynamoInboxStore on DynamoDB Local', () => {
  let clock: ManualClock;
  let table: string;
  const stores: InboxStore[] = [];
  const open = (over: ConstructorParameters<typeof DynamoInboxStore>[0] = {}) => {
    const store = new DynamoInboxStore({ client, table, now: clock.now, ...over });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    table = await freshTable();
  });
  beforeEach(() => {
    clock = new ManualClock();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('keeps the count bound when two registry replicas store to one device at once', async () => {
    const [a, b] = [open({ maxMessages: 5 }), open({ maxMessages: 5 })];
    const entries = Array.from({ length: 12 }, () => entry(clock, 'race'));
    const answers = await Promise.all(entries.map((e, i) => (i % 2 ? a : b).store([e])));
    const outcomes = answers.flat().map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'overflow')).toHaveLength(7);
    const [inbox] = await a.pending([entries[0]!.target]);
    expect(inbox?.entries).toHaveLength(5);
  });

  it('reads and removes across more devices than one BatchGetItem holds', async () => {
    const store = open();
    const devices = Array.from({ length: 150 }, (_, i) => entry(clock, `many-${i}`).target);
    const held = [entry(clock, 'many-3'), entry(clock, 'many-120'), entry(clock, 'many-149', 1_000)];
    await store.store(held);
    clock.advance(1_000);
    const inboxes = await store.pending(devices);
    expect(inboxes.map((i) => i.deviceId).sort()).toEqual([held[0]!.target.deviceId, held[1]!.target.deviceId].sort());
    const items = devices.map((d, i) => ({
      ...d,
      messageId: held.find((h) => h.target.deviceId === d.deviceId)?.message.id ?? `none-${i}`,
    }));
    const taken = (await store.remove(items)).filter((r) => r.entry);
    // A remove takes an entry whose TTL just ended too: its caller delivered it.
    expect(taken.map((r) => r.messageId).sort()).toEqual(held.map((h) => h.message.id).sort());
    expect(await store.pending(devices)).toEqual([]);
  });

  it('does not return an expired entry DynamoDB still holds, and its item outlives it for the sweep', async () => {
    const store = open();
    const e = entry(clock, 'expiring', 30_000);
    await store.store([e]);
    clock.advance(30_000);
    const raw = await client.send(
      new GetItemCommand({
        TableName: table,
        Key: { pk: { S: `inbox#${e.target.accountId}#${e.target.deviceId}` }, sk: { S: `entry#${e.message.id}` } },
      }),
    );
    expect(Number(raw.Item?.purgeAt?.N)).toBeGreaterThan(e.expiresAt / 1000 + 3600);
    expect(await store.pending([e.target])).toEqual([]);
    expect(await store.takeExpired(10)).toEqual([e]);
  });

  it('answers `overflow` for an entry too large for one DynamoDB item instead of failing the batch', async () => {
    const store = open({ maxBytes: 2 * 1024 * 1024 });
    const big = { ...entry(clock, 'big'), message: { ...entry(clock, 'big').message, payload: 'x'.repeat(400 * 1024) } };
    const small = entry(clock, 'big');
    expect((await store.store([big, small])).map((r) => r.outcome)).toEqual(['overflow', 'stored']);
  });

  it('rejects every operation with StoreUnavailableError within seconds when DynamoDB is unreachable', async () => {
    const store = open({ client: undefined, clientConfig: await unreachableDynamo(2) });
    const e = entry(clock, 'unreachable');
    const started = Date.now();
    await expectEachUnavailable(table, [
      ['Query', () => store.store([e])],
      ['BatchGetItem', () => store.pending([e.target])],
      ['BatchGetItem', () => store.remove([{ ...e.target, messageId: e.message.id }])],
      ['Query', () => store.takeExpired(10)],
    ]);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
