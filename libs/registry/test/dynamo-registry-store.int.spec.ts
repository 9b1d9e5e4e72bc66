/**
 * DynamoRegistryStore on real DynamoDB Local: the shared RegistryStore contract (the same suite the
 * memory store passes), then what only a real DynamoDB shows: table setup, BatchGet chunks, expired
 * items DynamoDB has not deleted yet, concurrent replicas, an unreachable endpoint, and the HTTP app
 * answering 503 over it.
 */
import { GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ensuredByReplicas, expectEachUnavailable, testTables, unreachableDynamo } from '@pushwire/dynamodb-kit/testing';
import { dynamoClientFromEnv, dynamodbEndpointFromEnv } from '@pushwire/infra/testing';
import type { ErrorBody, Registration } from '@pushwire/protocol';
import { DynamoRegistryStore, ensureRegistryTables, StoreUnavailableError, type RegistryStore } from '../src';
import { describeRegistryStoreContract, ManualClock, testRegistryApp } from '../src/testing';

const client = dynamoClientFromEnv();
const tables = testTables(client, 'pushwire-registry');
const { run } = tables;
const table = tables.name('test');

beforeAll(async () => {
  await ensureRegistryTables(client, { table });
});

describeRegistryStoreContract(
  'DynamoRegistryStore on DynamoDB Local',
  async (clock) => new DynamoRegistryStore({ client, table, now: clock.now }),
);

const nowSeconds = (clock: ManualClock) => Math.floor(clock.now() / 1000);
let seq = 0;
/** A registration of device `n` on edge `edge-<run>`, account `acct-<run>`, connected now. */
function reg(clock: ManualClock, n: number | string, over: Partial<Registration> = {}): Registration {
  return {
    deviceId: `dev-${run}-${n}`,
    accountId: `acct-${run}`,
    deviceType: 'phone',
    edgeId: `edge-${run}`,
    edgeUrl: 'http://edge.test:8081',
    connectionId: `conn-${run}-${++seq}`,
    connectedAt: clock.now(),
    expiresAt: nowSeconds(clock) + 1800,
    ...over,
  };
}
const byDevice = (regs: Registration[]) => [...regs].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
/** The device a registration is about: its account and its id. */
const ref = (r: Registration) => ({ accountId: r.accountId, deviceId: r.deviceId });

/** A store on an unreachable DynamoDB that gives up after two quick attempts. */
async function unreachableStore(): Promise<DynamoRegistryStore> {
  return new DynamoRegistryStore({ table, clientConfig: await unreachableDynamo(2) });
}

describe('ensureRegistryTables', () => {
  it('makes an on-demand table with TTL on expiresAt and the account index, and is safe to run again from several replicas at once', async () => {
    const { table: Table, ttl } = await ensuredByReplicas(client, tables.name('ensure'), (c, t) => ensureRegistryTables(c, { table: t }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema?.[0]?.AttributeName])).toEqual([
      ['accountId-index', 'accountId'],
    ]);
    expect(ttl).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('refuses a table of that name made for something else, naming it', async () => {
    const foreign = await tables.foreign('foreign');
    await expect(ensureRegistryTables(client, { table: foreign })).rejects.toThrow(
      `DynamoDB table ${foreign} exists but cannot hold the registry`,
    );
  });
});

describe('DynamoRegistryStore on DynamoDB Local', () => {
  let clock: ManualClock;
  const stores: RegistryStore[] = [];
  const open = (over: ConstructorParameters<typeof DynamoRegistryStore>[0] = {}) => {
    const store = new DynamoRegistryStore({ client, table, now: clock.now, ...over });
    stores.push(store);
    return store;
  };

  beforeEach(() => {
    clock = new ManualClock();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('looks up and lists more devices than one BatchGetItem or one Query page holds', async () => {
    const store = open({ accountQueryPageSize: 40 });
    await store.renewLease(`edge-${run}`, 'http://edge.test:8081', 60);
    const account = `acct-${run}-many`;
    const regs = Array.from({ length: 250 }, (_, i) => reg(clock, `many-${i}`, { accountId: account }));
    const outcomes = await store.register(regs);
    expect(outcomes.filter((o) => o.outcome === 'registered')).toHaveLength(250);

    const unknown = Array.from({ length: 5 }, (_, i) => ({ accountId: account, deviceId: `dev-${run}-nobody-${i}` }));
    expect(byDevice(await store.lookup([...unknown, ...regs.map(ref)]))).toEqual(byDevice(regs));
    expect(byDevice(await store.listByAccount(account))).toEqual(byDevice(regs));
  });

  it('registers a batch of 500 (a stale device and a device named twice among them) with every outcome right, and tells how long it took', async () => {
    const store = open();
    await store.renewLease(`edge-${run}`, 'http://edge.test:8081', 60);
    const account = `acct-${run}-burst`;
    const regs = Array.from({ length: 499 }, (_, i) => reg(clock, `burst-${i}`, { accountId: account }));
    // Device 250 already holds a newer connection; device 7 comes again, newer, at the end of the batch.
    const newer = { ...regs[250]!, connectionId: `conn-${run}-newer`, connectedAt: clock.now() + 1_000 };
    await store.register([newer]);
    const again = { ...regs[7]!, connectionId: `conn-${run}-again`, connectedAt: clock.now() + 1 };
    const batch = [...regs, again];

    const started = performance.now();
    const outcomes = await store.register(batch);
    const tookMs = performance.now() - started;
    process.stdout.write(`register of a 500-record batch on DynamoDB Local: ${tookMs.toFixed(0)} ms\n`);

    expect(outcomes.map((o) => o.deviceId)).toEqual(batch.map((r) => r.deviceId));
    expect(outcomes.filter((o) => o.outcome === 'stale').map((o) => o.deviceId)).toEqual([newer.deviceId]);
    const found = byDevice(await store.lookup(batch.map(ref)));
    expect(found).toHaveLength(499);
    expect(found.find((r) => r.deviceId === newer.deviceId)).toEqual(newer);
    expect(found.find((r) => r.deviceId === again.deviceId)).toEqual(again);
  });

  it('stores one item per (account, device) and never reads an item keyed by a device id alone', async () => {
    const store = open();
    await store.renewLease(`edge-${run}`, 'http://edge.test:8081', 60);
    const mine = reg(clock, 'pair', { accountId: `acct-${run}-a` });
    const theirs = reg(clock, 'pair', { accountId: `acct-${run}-b` });
    await store.register([mine, theirs]);
    for (const r of [mine, theirs]) {
      const raw = await client.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: `device#${r.accountId}#${r.deviceId}` } }, ConsistentRead: true }),
      );
      expect(raw.Item?.connectionId?.S).toBe(r.connectionId);
    }
    // An item of the earlier layout (no account in its key), with every attribute a record has.
    const legacy = reg(clock, 'legacy', { accountId: mine.accountId });
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: `device#${legacy.deviceId}` },
          deviceId: { S: legacy.deviceId },
          accountId: { S: legacy.accountId },
          deviceType: { S: legacy.deviceType },
          edgeId: { S: legacy.edgeId },
          edgeUrl: { S: legacy.edgeUrl },
          connectionId: { S: legacy.connectionId },
          connectedAt: { N: String(legacy.connectedAt) },
          expiresAt: { N: String(legacy.expiresAt) },
        },
      }),
    );
    expect(await store.lookup([ref(legacy)])).toEqual([]);
    expect(await store.listByAccount(mine.accountId)).toEqual([mine]);
    expect(await store.listByAccount(theirs.accountId)).toEqual([theirs]);
  });

  it('does not return a record whose expiresAt has passed though DynamoDB still holds the item', async () => {
    const store = open();
    await store.renewLease(`edge-${run}`, 'http://edge.test:8081', 3600);
    const r = reg(clock, 'expiring', { expiresAt: nowSeconds(clock) + 30 });
    await store.register([r]);
    clock.advance(31_000);

    // DynamoDB's own clock has not reached expiresAt, so its TTL sweep has not deleted the item.
    const raw = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: `device#${r.accountId}#${r.deviceId}` } }, ConsistentRead: true }),
    );
    expect(raw.Item?.connectionId?.S).toBe(r.connectionId);
    expect(await store.lookup([ref(r)])).toEqual([]);
    expect(await store.listByAccount(r.accountId)).toEqual([]);
  });

  it('keeps the newer connection when two registry replicas register the same devices at once', async () => {
    const [replicaA, replicaB] = [open(), open()];
    await replicaA.renewLease(`edge-${run}`, 'http://edge.test:8081', 60);
    const older = Array.from({ length: 20 }, (_, i) => reg(clock, `race-${i}`));
    clock.advance(1);
    const newer = older.map((o) => reg(clock, o.deviceId.slice(`dev-${run}-`.length)));

    const [olderOutcomes, newerOutcomes] = await Promise.all([replicaA.register(older), replicaB.register(newer)]);
    expect(newerOutcomes.every((o) => o.outcome === 'registered')).toBe(true);
    expect(olderOutcomes.every((o) => o.outcome === 'registered' || o.outcome === 'stale')).toBe(true);
    expect(byDevice(await replicaA.lookup(older.map(ref)))).toEqual(byDevice(newer));
  });

  it('rejects every operation with StoreUnavailableError within seconds when DynamoDB is unreachable', async () => {
    const store = await unreachableStore();
    stores.push(store);
    const r = reg(clock, 'unreachable');
    const started = Date.now();
    await expectEachUnavailable(table, [
      ['BatchGetItem', () => store.lookup([ref(r)])],
      ['Query', () => store.listByAccount(r.accountId)],
      ['BatchGetItem', () => store.register([r])],
      ['DeleteItem', () => store.deregister([{ ...ref(r), connectionId: r.connectionId }])],
      ['UpdateItem', () => store.renewLease(r.edgeId, r.edgeUrl, 30)],
      ['DeleteItem', () => store.releaseLease(r.edgeId)],
      ['BatchGetItem', () => store.readLeases([r.edgeId])],
    ]);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("takes DynamoDB's verdict on retrying: a missing table is a store failure no retry mends, an unreachable endpoint one a retry may", async () => {
    const noTable = open({ table: `pushwire-registry-missing-${run}` });
    const missing = await noTable.listByAccount('a1').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(StoreUnavailableError);
    expect(missing).toMatchObject({ code: 'store_unavailable', retriable: false });
    expect((missing as Error).message).toContain('ResourceNotFoundException');

    const store = await unreachableStore();
    stores.push(store);
    const unreachable = await store.listByAccount('a1').catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ code: 'store_unavailable', retriable: true });
  });

  it('rejects calls after close() and leaves a client it was given usable', async () => {
    const own = new DynamoRegistryStore({ table, clientConfig: { endpoint: dynamodbEndpointFromEnv(), region: 'us-east-1' } });
    await own.close();
    await expect(own.lookup([{ accountId: 'a1', deviceId: 'd1' }])).rejects.toThrow(
      new StoreUnavailableError('the dynamodb registry store is closed'),
    );

    const shared = open();
    await shared.close();
    await expect(shared.renewLease('e1', 'http://e1', 30)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect((await client.send(new ListTablesCommand({}))).TableNames).toContain(table);
  });
});

describe('registry HTTP app over DynamoDB', () => {
  const TOKEN = 'registry-dynamo-token-0123456789';
  const auth = { authorization: `Bearer ${TOKEN}` };
  const build = (store: RegistryStore) => testRegistryApp(store, TOKEN);

  it('serves registrations from DynamoDB', async () => {
    const clock = new ManualClock();
    const store = new DynamoRegistryStore({ client, table, now: clock.now });
    const app = build(store);
    try {
      const r = reg(clock, 'http', { edgeId: `edge-${run}-http` });
      const lease = await app.inject({
        method: 'PUT',
        url: `/v1/edges/${r.edgeId}/lease`,
        headers: auth,
        payload: { edgeUrl: r.edgeUrl, ttlSeconds: 30 },
      });
      expect(lease.json()).toMatchObject({ renewed: false });
      const registered = await app.inject({ method: 'POST', url: '/v1/registrations', headers: auth, payload: { registrations: [r] } });
      expect(registered.json()).toEqual({ results: [{ ...ref(r), outcome: 'registered' }] });
      const one = await app.inject({ method: 'GET', url: `/v1/accounts/${r.accountId}/registrations/${r.deviceId}`, headers: auth });
      expect([one.statusCode, one.json()]).toEqual([200, r]);
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('answers 503 store_unavailable with a JSON body, never 404, when DynamoDB is unreachable', async () => {
    const store = await unreachableStore();
    const app = build(store);
    try {
      for (const req of [
        { method: 'POST' as const, url: '/v1/lookup', payload: { devices: [{ accountId: 'a1', deviceId: 'd1' }] } },
        { method: 'GET' as const, url: '/v1/accounts/a1/registrations/d1' },
        { method: 'GET' as const, url: '/v1/accounts/a1/registrations' },
      ]) {
        const res = await app.inject({ ...req, headers: auth });
        expect([res.statusCode, res.headers['content-type']]).toEqual([503, expect.stringContaining('application/json')]);
        expect(res.json<ErrorBody>().error).toMatchObject({ code: 'store_unavailable', retriable: true });
        expect(res.json<ErrorBody>().error.message).toContain(`on table ${table} failed`);
      }
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/pushwire_registry_store_errors_total\{[^}]*operation="lookup",error="StoreUnavailableError"[^}]*\} 2/);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
