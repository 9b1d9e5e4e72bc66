import { randomUUID } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DeviceClient } from '@pushwire/device-client';
import { waitForEvent } from '@pushwire/device-client/testing';
import { dynamoClientFromEnv, dynamodbEndpointFromEnv } from '@pushwire/infra/testing';
import { PushClient } from '@pushwire/push-client';
import { deviceKey } from '@pushwire/registry';
import { waitFor } from '@pushwire/test-kit';
import type { Cluster } from '../src';
import { CLUSTER_POLL, connectDevice, metricValue, registryGet, startTestCluster, TEST_LEASE_TTL_SECONDS } from './cluster-fixture';

/**
 * The cluster as users run it: the registry on real DynamoDB Local and two edges, each its own
 * process, driven by the device SDK and the push client over real sockets.
 */
describe('cluster: registry on DynamoDB + two edges', () => {
  let cluster: Cluster;
  let sender: PushClient;
  const devices: DeviceClient[] = [];
  const run = randomUUID().slice(0, 8);
  const account = `acct-${run}`;
  const id = (name: string) => `${name}-${run}`;
  const edge = (n: 1 | 2) => cluster.edges[n - 1]!;
  const connect = async (n: 1 | 2, deviceId: string) => {
    const d = await connectDevice(cluster, edge(n).deviceUrl, account, deviceId);
    devices.push(d.client);
    return d;
  };
  /** Device `name` of this run's account, as a push names it. */
  const target = (name: string, acct = account) => ({ accountId: acct, deviceId: id(name) });
  const registeredOn = (deviceId: string, connectionId: string, acct = account) =>
    waitFor(async () => (await registryGet(cluster, acct, deviceId)).body.connectionId === connectionId, {
      ...CLUSTER_POLL,
      timeoutMs: 10_000,
      what: `${deviceId} of ${acct} registered as ${connectionId}`,
    });

  beforeAll(async () => {
    cluster = await startTestCluster(dynamodbEndpointFromEnv());
    sender = new PushClient({ registryUrl: cluster.registryUrl, serviceToken: cluster.serviceToken, routeCacheTtlMs: 60_000 });
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
  });
  afterAll(async () => {
    await sender?.close();
    await cluster?.stop();
  });

  it('delivers a direct push through the registry to a device on edge 1', async () => {
    const tv = await connect(1, id('tv'));
    await registeredOn(id('tv'), tv.connectionId);
    const pushed = waitForEvent(tv.client, 'push', 5_000);
    const result = await sender.send(target('tv'), { hello: 'edge 1' });
    expect(result).toMatchObject({ status: 'delivered', edgeId: 'edge-1' });
    expect((await pushed).payload).toEqual({ hello: 'edge 1' });
  });

  it('after the device moves to edge 2, a stale cached route gets gone from edge 1 and the retry delivers via edge 2', async () => {
    const first = await connect(1, id('mover'));
    await registeredOn(id('mover'), first.connectionId);
    expect(await sender.send(target('mover'), 'warm the route cache')).toMatchObject({ status: 'delivered', edgeId: 'edge-1' });

    await first.client.close();
    const moved = await connect(2, id('mover'));
    await registeredOn(id('mover'), moved.connectionId);
    const goneBefore = await metricValue(edge(1).internalUrl, 'pushwire_edge_deliveries_total', 'status="gone"');

    const pushed = waitForEvent(moved.client, 'push', 5_000);
    const result = await sender.send(target('mover'), { hello: 'edge 2' });
    expect(result).toMatchObject({ status: 'delivered', edgeId: 'edge-2', attempts: 2 });
    expect((await pushed).payload).toEqual({ hello: 'edge 2' });
    expect(await metricValue(edge(1).internalUrl, 'pushwire_edge_deliveries_total', 'status="gone"')).toBe(goneBefore + 1);
  });

  it("ignores a late deregister of a device's older connection: the newer one on the other edge stays routable", async () => {
    const older = await connect(1, id('twice'));
    await registeredOn(id('twice'), older.connectionId);
    const newer = await connect(2, id('twice'));
    await registeredOn(id('twice'), newer.connectionId);
    // Edge 1 still holds the older socket; closing it makes edge 1 deregister that connection id,
    // which the registry must answer `not_current` and ignore.
    const ignoredBefore = await metricValue(cluster.registryUrl, 'pushwire_registry_deregister_outcomes_total', 'outcome="not_current"');
    await older.client.close();
    await waitFor(
      async () =>
        (await metricValue(cluster.registryUrl, 'pushwire_registry_deregister_outcomes_total', 'outcome="not_current"')) > ignoredBefore,
      { ...CLUSTER_POLL, timeoutMs: 10_000, what: "the registry to refuse edge 1's late deregister" },
    );
    expect((await registryGet(cluster, account, id('twice'))).body).toMatchObject({ connectionId: newer.connectionId, edgeId: 'edge-2' });
    const fresh = new PushClient({ registryUrl: cluster.registryUrl, serviceToken: cluster.serviceToken });
    try {
      expect(await fresh.send(target('twice'), 'to the newer one')).toMatchObject({ status: 'delivered', edgeId: 'edge-2' });
    } finally {
      await fresh.close();
    }
  });

  it("routes a push to (account, tv9) to that account's tv9 while another account's tv9 is on the other edge, and back", async () => {
    const namesakes = `evil-${run}`;
    const mine = await connect(1, id('tv9'));
    const theirs = await connectDevice(cluster, edge(2).deviceUrl, namesakes, id('tv9'));
    devices.push(theirs.client);
    await registeredOn(id('tv9'), mine.connectionId);
    await registeredOn(id('tv9'), theirs.connectionId, namesakes);

    // The first push each TV gets is its own: nothing meant for the other arrived before it.
    const mineGot = waitForEvent(mine.client, 'push', 5_000);
    const theirsGot = waitForEvent(theirs.client, 'push', 5_000);
    expect(await sender.send(target('tv9'), 'for mine')).toMatchObject({ accountId: account, status: 'delivered', edgeId: 'edge-1' });
    expect(await sender.send(target('tv9', namesakes), 'for theirs')).toMatchObject({
      accountId: namesakes,
      status: 'delivered',
      edgeId: 'edge-2',
    });
    expect((await mineGot).payload).toBe('for mine');
    expect((await theirsGot).payload).toBe('for theirs');
    // Neither replaced the other: each registration still names its own connection.
    expect((await registryGet(cluster, account, id('tv9'))).body).toMatchObject({ connectionId: mine.connectionId, edgeId: 'edge-1' });
    expect((await registryGet(cluster, namesakes, id('tv9'))).body).toMatchObject({ connectionId: theirs.connectionId, edgeId: 'edge-2' });
  });

  it('never returns a record past its expiresAt, though DynamoDB still holds the item', async () => {
    // Writing a route is an edge's work: the test writes it as an edge would.
    const auth = { authorization: `Bearer ${cluster.edgeToken}`, 'content-type': 'application/json' };
    const deviceId = id('short-lived');
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const registration = {
      deviceId,
      accountId: account,
      deviceType: 'tv',
      edgeId: 'edge-1',
      edgeUrl: edge(1).internalUrl,
      connectionId: `conn-${run}`,
      connectedAt: Date.now(),
      expiresAt,
    };
    const res = await fetch(`${cluster.registryUrl}/v1/registrations`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ registrations: [registration] }),
    });
    expect(res.status).toBe(200);
    expect((await registryGet(cluster, account, deviceId)).status).toBe(200);

    await waitFor(async () => Date.now() / 1000 > expiresAt + 0.5, { ...CLUSTER_POLL, timeoutMs: 5_000, what: 'the record to expire' });
    expect((await registryGet(cluster, account, deviceId)).status).toBe(404);
    const lookup = await fetch(`${cluster.registryUrl}/v1/lookup`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ devices: [{ accountId: account, deviceId }] }),
    });
    expect((await lookup.json()).registrations).toEqual([]);
    // DynamoDB's TTL deletes lazily: the item is typically still there, and must not matter.
    const ddb = dynamoClientFromEnv();
    try {
      const table = cluster.registry.spec.env.PUSHWIRE_REGISTRY_TABLE!;
      const item = await ddb.send(
        new GetItemCommand({ TableName: table, Key: deviceKey({ accountId: account, deviceId }), ConsistentRead: true }),
      );
      if (item.Item) expect(Number(item.Item.expiresAt!.N)).toBeLessThan(Date.now() / 1000);
    } finally {
      ddb.destroy();
    }
  });

  it(`resolves the devices of an edge killed with SIGKILL as not_connected within the lease TTL (${TEST_LEASE_TTL_SECONDS} s)`, async () => {
    const victims = await Promise.all([1, 2, 3].map((n) => connect(2, id(`victim${n}`))));
    await Promise.all(victims.map((v, i) => registeredOn(id(`victim${i + 1}`), v.connectionId)));
    const survivor = await connect(1, id('survivor'));
    await registeredOn(id('survivor'), survivor.connectionId);

    await edge(2).process.stop('SIGKILL');
    const killedAt = Date.now();
    const fresh = new PushClient({ registryUrl: cluster.registryUrl, serviceToken: cluster.serviceToken, routeCacheTtlMs: 0 });
    try {
      await waitFor(async () => (await fresh.send(target('victim1'), 'anyone?')).status === 'not_connected', {
        ...CLUSTER_POLL,
        timeoutMs: (TEST_LEASE_TTL_SECONDS + 2) * 1000,
        what: 'victim1 to resolve as not_connected',
        intervalMs: 50,
      });
      const resolvedMs = Date.now() - killedAt;
      process.stdout.write(
        `edge-2 SIGKILLed: its devices resolved as not_connected after ${resolvedMs} ms (lease TTL ${TEST_LEASE_TTL_SECONDS} s)\n`,
      );
      expect(resolvedMs).toBeLessThanOrEqual(TEST_LEASE_TTL_SECONDS * 1000 + 500);
      for (const n of [2, 3]) expect((await fresh.send(target(`victim${n}`), 'anyone?')).status).toBe('not_connected');
      expect(await fresh.send(target('survivor'), 'still here')).toMatchObject({ status: 'delivered', edgeId: 'edge-1' });
    } finally {
      await fresh.close();
      await edge(2).process.start();
    }
  });
});
