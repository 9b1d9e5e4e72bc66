import { randomUUID } from 'node:crypto';
import type { DeviceClient } from '@pushwire/device-client';
import { waitForEvent } from '@pushwire/device-client/testing';
import { KafkaEventBus } from '@pushwire/event-bus';
import { dynamodbEndpointFromEnv, kafkaBrokersFromEnv } from '@pushwire/infra/testing';
import { Topics, type DeliveryStatus, type DeviceConnectionEvent } from '@pushwire/protocol';
import { waitFor } from '@pushwire/test-kit';
import type { Cluster } from '../src';
import { CLUSTER_POLL, connectDevice, metricValue, registryGet, startTestCluster, TEST_LEASE_TTL_SECONDS } from './cluster-fixture';

/**
 * Pairing as users run it (docs/architecture.md, Flows: "Device list", "Device to device"): a phone on edge 1 and a
 * TV on edge 2 of a cluster on real Kafka and DynamoDB Local, each service its own process, driven by
 * the device SDK over real sockets.
 */
describe('cluster: device list and device to device across two edges', () => {
  let cluster: Cluster;
  let bus: KafkaEventBus;
  const devices: DeviceClient[] = [];
  const run = randomUUID().slice(0, 8);
  const account = `home-${run}`;
  const id = (name: string) => `${name}-${run}`;
  const edge = (n: 1 | 2) => cluster.edges[n - 1]!;
  const connect = async (n: 1 | 2, deviceId: string, type: string, acct = account) => {
    const d = await connectDevice(cluster, edge(n).deviceUrl, acct, deviceId, type);
    devices.push(d.client);
    return d;
  };
  /** The account's online device ids, from the device-list HTTP API. */
  const listed = async (acct = account): Promise<string[]> => {
    const res = await fetch(`${cluster.deviceListUrl}/v1/accounts/${acct}/devices`, {
      headers: { authorization: `Bearer ${cluster.serviceToken}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { devices: { deviceId: string }[] }).devices.map((d) => d.deviceId).sort();
  };
  /** Until the registry resolves the device to this connection (cross-edge sends look it up there). */
  const registered = (deviceId: string, connectionId: string, acct = account) =>
    waitFor(async () => (await registryGet(cluster, acct, deviceId)).body.connectionId === connectionId, {
      ...CLUSTER_POLL,
      timeoutMs: 10_000,
      what: `${deviceId} of ${acct} registered`,
    });
  const listedAs = (expected: string[], acct = account) =>
    waitFor(async () => JSON.stringify(await listed(acct)) === JSON.stringify([...expected].sort()), {
      ...CLUSTER_POLL,
      timeoutMs: 15_000,
      what: `device list of ${acct} = ${expected.join(',')}`,
    });

  beforeAll(async () => {
    cluster = await startTestCluster(dynamodbEndpointFromEnv());
    bus = new KafkaEventBus({ brokers: kafkaBrokersFromEnv(), clientId: `devices-test-${run}` });
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
  });
  afterAll(async () => {
    await bus?.close();
    await cluster?.stop();
  });

  it('a phone on edge 1 lists, subscribes, sees the TV on edge 2 come and go, and they message each other', async () => {
    const phone = await connect(1, id('phone'), 'phone');
    await listedAs([id('phone')]);
    expect((await phone.client.listDevices()).map((d) => d.deviceId)).toEqual([id('phone')]);
    const initial = await phone.client.subscribeDevices();
    expect(initial.map((d) => [d.deviceId, d.deviceType])).toEqual([[id('phone'), 'phone']]);

    const online = waitForEvent(phone.client, 'device.online', 10_000);
    const tv = await connect(2, id('tv'), 'tv');
    expect(await online).toMatchObject({ deviceId: id('tv'), deviceType: 'tv' });

    const atTv = waitForEvent(tv.client, 'd2d.message', 5000);
    expect(await phone.client.sendToDevice(id('tv'), { play: 'movie-42' })).toBe('delivered');
    expect(await atTv).toMatchObject({ from: id('phone'), payload: { play: 'movie-42' } });

    const atPhone = waitForEvent(phone.client, 'd2d.message', 5000);
    expect(await tv.client.sendToDevice(id('phone'), { playing: true })).toBe('delivered');
    expect(await atPhone).toMatchObject({ from: id('tv'), payload: { playing: true } });

    const offline = waitForEvent(phone.client, 'device.offline', 10_000);
    await tv.client.close();
    expect(await offline).toEqual({ deviceId: id('tv') });
    await listedAs([id('phone')]);
  });

  it("never reaches another account's device: its id names the sender's own device (not_connected when it has none)", async () => {
    const tv = await connect(2, id('tv-b'), 'tv');
    await registered(id('tv-b'), tv.connectionId);
    const stranger = await connect(1, id('stranger'), 'phone', `other-${run}`);
    const received: { from: string }[] = [];
    tv.client.on('d2d.message', (m) => void received.push(m));
    expect(await stranger.client.sendToDevice(id('tv-b'), { hijack: true })).toBe('not_connected');
    // Same edge too: the local path looks in the sender's account as well.
    const neighbour = await connect(2, id('stranger-2'), 'phone', `other-${run}`);
    expect(await neighbour.client.sendToDevice(id('tv-b'), { hijack: true })).toBe('not_connected');
    // The stranger's account gets a tv-b of its own, on the other edge: that is the one the id names for it.
    const ownTv = await connect(1, id('tv-b'), 'tv', `other-${run}`);
    await registered(id('tv-b'), ownTv.connectionId, `other-${run}`);
    const own = waitForEvent(ownTv.client, 'd2d.message', 5_000);
    expect(await neighbour.client.sendToDevice(id('tv-b'), { mine: true })).toBe('delivered');
    expect(await own).toMatchObject({ from: id('stranger-2'), payload: { mine: true } });
    // A message of the account's own phone, sent after all that, is the first and only one the TV got.
    const phone = await connect(1, id('phone-b'), 'phone');
    expect(await phone.client.sendToDevice(id('tv-b'), { legit: true })).toBe('delivered');
    await waitFor(async () => received.length > 0, {
      ...CLUSTER_POLL,
      timeoutMs: 5_000,
      what: 'the TV to get the message of its own account',
    });
    expect(received).toEqual([expect.objectContaining({ from: id('phone-b'), payload: { legit: true } })]);
  });

  it('answers a flood with rate_limited without hurting other connections', async () => {
    const flooder = await connect(1, id('flooder'), 'phone');
    const target = await connect(2, id('tv-c'), 'tv');
    const phone = await connect(1, id('phone-c'), 'phone');
    const tv = await connect(2, id('tv-d'), 'tv');
    await registered(id('tv-c'), target.connectionId);
    await registered(id('tv-d'), tv.connectionId);
    // 200 sends at once: the bucket allows a burst of 2 × PUSHWIRE_D2D_PER_SECOND (default 20).
    const flood = Array.from({ length: 200 }, (_, i) => flooder.client.sendToDevice(id('tv-c'), { i }));
    const others: Promise<DeliveryStatus>[] = [];
    for (let i = 0; i < 10; i++) others.push(phone.client.sendToDevice(id('tv-d'), { i }));
    const statuses = await Promise.all(flood);
    const limited = statuses.filter((s) => s === 'rate_limited').length;
    const delivered = statuses.filter((s) => s === 'delivered').length;
    process.stdout.write(`d2d flood of 200: ${delivered} delivered, ${limited} rate_limited\n`);
    expect(limited).toBeGreaterThanOrEqual(150);
    expect(delivered + limited).toBe(200);
    expect(await Promise.all(others)).toEqual(Array(10).fill('delivered'));
    expect(target.client.state).toBe('open');
    expect(await metricValue(edge(1).internalUrl, 'pushwire_edge_d2d_total', 'status="rate_limited"')).toBeGreaterThanOrEqual(limited);
  });

  it('ignores replayed and late events: a stale disconnect or an old connect does not change the list', async () => {
    const tv = await connect(2, id('tv-e'), 'tv');
    await listedAs([id('tv-e')], account);
    const base: DeviceConnectionEvent = {
      v: 1,
      kind: 'connected',
      accountId: account,
      deviceId: id('tv-e'),
      deviceType: 'tv',
      connectionId: 'old-connection',
      connectedAt: Date.now() - 60_000,
      edgeId: edge(1).id,
      edgeUrl: edge(1).internalUrl,
      at: Date.now() - 60_000,
    };
    const sentinel: DeviceConnectionEvent = {
      ...base,
      deviceId: id('sentinel'),
      connectionId: 'sentinel',
      connectedAt: Date.now(),
      at: Date.now(),
    };
    const publish = (events: DeviceConnectionEvent[]) =>
      bus.publish(
        Topics.deviceConnections,
        events.map((e) => ({ key: e.accountId, value: JSON.stringify(e) })),
      );
    // A disconnect of an older connection, that connection's connect replayed, a disconnect of the
    // live connection from before it connected; then a sentinel (same key, so same partition, later):
    // once the sentinel is listed, the stale events before it were consumed.
    await publish([
      { ...base, kind: 'disconnected', at: Date.now() },
      base,
      { ...base, kind: 'disconnected', connectionId: tv.connectionId, connectedAt: base.connectedAt, at: Date.now() },
      sentinel,
    ]);
    await listedAs([id('tv-e'), id('sentinel')]);
    const res = await fetch(`${cluster.deviceListUrl}/v1/accounts/${account}/devices`, {
      headers: { authorization: `Bearer ${cluster.serviceToken}` },
    });
    const tvInfo = ((await res.json()) as { devices: { deviceId: string; connectedAt: number }[] }).devices.find(
      (d) => d.deviceId === id('tv-e'),
    );
    expect(tvInfo?.connectedAt).toBeGreaterThan(base.connectedAt);
    // An unreadable record is dead-lettered and does not stall the partition.
    const invalidBefore = await metricValue(cluster.deviceListUrl, 'pushwire_device_list_invalid_events_total', 'service="device-list"');
    await bus.publish(Topics.deviceConnections, [{ key: account, value: '{"v":1,"kind":"connected"' }]);
    await publish([{ ...sentinel, kind: 'disconnected', at: Date.now() + 1 }]);
    await listedAs([id('tv-e')]);
    expect(await metricValue(cluster.deviceListUrl, 'pushwire_device_list_invalid_events_total', 'service="device-list"')).toBe(
      invalidBefore + 1,
    );
  });

  it(`marks the devices of an edge killed with SIGKILL offline within the lease TTL (${TEST_LEASE_TTL_SECONDS} s)`, async () => {
    const phone = await connect(1, id('phone-f'), 'phone');
    await phone.client.subscribeDevices();
    const online = waitForEvent(phone.client, 'device.online', 10_000, (d) => d.deviceId === id('tv-f'));
    await connect(2, id('tv-f'), 'tv');
    await online;
    const offline = waitForEvent(phone.client, 'device.offline', (TEST_LEASE_TTL_SECONDS + 10) * 1000, (d) => d.deviceId === id('tv-f'));
    const killedAt = Date.now();
    await edge(2).process.stop('SIGKILL');
    await offline;
    const offlineMs = Date.now() - killedAt;
    process.stdout.write(
      `edge-2 SIGKILLed: its TV went offline at the phone after ${offlineMs} ms (lease TTL ${TEST_LEASE_TTL_SECONDS} s)\n`,
    );
    expect(offlineMs).toBeLessThan(TEST_LEASE_TTL_SECONDS * 1000 + 1500);
    expect(await listed()).not.toContain(id('tv-f'));
  });
});
