import { randomUUID } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DeviceClient } from '@pushwire/device-client';
import { waitForEvent } from '@pushwire/device-client/testing';
import { dynamoClientFromEnv, dynamodbEndpointFromEnv } from '@pushwire/infra/testing';
import { PushClient } from '@pushwire/push-client';
import { deviceKey } from '@pushwire/registry';
import type { Cluster } from '../src';
import { connectDevice, metricValue, registryGet, startTestCluster, TEST_LEASE_TTL_SECONDS, waitFor } from './cluster-fixture';

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
  const registeredOn = (deviceId: string, connectionId: string) =>
    waitFor(
      async () => (await registryGet(cluster, deviceId)).body.connectionId === connectionId,
      10_000,
      `${deviceId} registered as ${connectionId}`,
    );

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
    const result = await sender.send(id('tv'), { hello: 'edge 1' });
    expect(result).toMatchObject({ status: 'delivered', edgeId: 'edge-1' });
    expect((await pushed).payload).toEqual({ hello: 'edge 1' });
  });

  it('after the device moves to edge 2, a stale cached route gets gone from edge 1 and the retry delivers via edge 2', async () => {
    const first = await connect(1, id('mover'));
    await registeredOn(id('mover'), first.connectionId);
    expect(await sender.send(id('mover'), 'warm the route cache')).toMatchObject({ status: 'delivered', edgeId: 'edge-1' });

    await first.client.close();
    const moved = await connect(2, id('mover'));
    await registeredOn(id('mover'), moved.connectionId);
    const goneBefore = await metricValue(edge(1).internalUrl, 'pushwire_edge_deliveries_total', 'status="gone"');

    const pushed = waitForEvent(moved.client, 'push', 5_000);
    const result = await sender.send(id('mover'), { hello: 'edge 2' });
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
      10_000,
      "the registry to refuse edge 1's late deregister",
    );
    expect((await registryGet(cluster, id('twice'))).body).toMatchObject({ connectionId: newer.connectionId, edgeId: 'edge-2' });
    const fresh = new PushClient({ registryUrl: cluster.registryUrl, serviceToken: cluster.serviceToken });
    try {
      expect(await fresh.send(id('twice'), 'to the newer one')).toMatchObject({ status: 'delivered', edgeId: 'edge-2' });
    } finally {
      await fresh.close();
    }
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
    expect((await registryGet(cluster, deviceId)).status).toBe(200);

    await waitFor(async () => Date.now() / 1000 > expiresAt + 0.5, 5_000, 'the record to expire');
    expect((await registryGet(cluster, deviceId)).status).toBe(404);
    const lookup = await fetch(`${cluster.registryUrl}/v1/lookup`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ deviceIds: [deviceId] }),
    });
    expect((await lookup.json()).registrations).toEqual([]);
    // DynamoDB's TTL deletes lazily: the item is typically still there, and must not matter.
    const ddb = dynamoClientFromEnv();
    try {
      const table = cluster.registry.spec.env.PUSHWIRE_REGISTRY_TABLE!;
      const item = await ddb.send(new GetItemCommand({ TableName: table, Key: deviceKey(deviceId), ConsistentRead: true }));
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
      await waitFor(
        async () => (await fresh.send(id('victim1'), 'anyone?')).status === 'not_connected',
        (TEST_LEASE_TTL_SECONDS + 2) * 1000,
        'victim1 to resolve as not_connected',
        50,
      );
      const resolvedMs = Date.now() - killedAt;
      process.stdout.write(
        `edge-2 SIGKILLed: its devices resolved as not_connected after ${resolvedMs} ms (lease TTL ${TEST_LEASE_TTL_SECONDS} s)\n`,
      );
      expect(resolvedMs).toBeLessThanOrEqual(TEST_LEASE_TTL_SECONDS * 1000 + 500);
      for (const n of [2, 3]) expect((await fresh.send(id(`victim${n}`), 'anyone?')).status).toBe('not_connected');
      expect(await fresh.send(id('survivor'), 'still here')).toMatchObject({ status: 'delivered', edgeId: 'edge-1' });
    } finally {
      await fresh.close();
      await edge(2).process.start();
    }
  });
});
