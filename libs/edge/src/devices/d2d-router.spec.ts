import { deviceRefKey, type Delivery, type DeliveryStatus } from '@pushwire/protocol';
import { EdgeClient } from '@pushwire/edge-client';
import { FakeEdge } from '@pushwire/edge-client/testing';
import { RouteCache } from '@pushwire/registry-client';
import { unusedUrl } from '@pushwire/service-http/testing';
import { MemoryRegistryStore, StoreRegistryClient } from '@pushwire/registry';
import { ManualClock } from '@pushwire/registry/testing';
import { Connection, Phase, Transport } from '../connection';
import { ConnectionTable } from '../connection-table';
import { sameAccountPolicy, type D2dPolicy } from './d2d-policy';
import { D2dRouter, type RelayTransport } from './d2d-router';

// D2dRouter with its real collaborators: a registry client over the memory store, the route cache,
// and a transport relaying with the EdgeClient to a FakeEdge that plays the remote edge's /v1/deliver
// (fenced by connection id like a real edge: a connection it does not hold is `gone`). The edge's
// own transport, the edge links, has its tests in ../links; the router only sees statuses.

/** Relays through POST /v1/deliver: a failed call is `unavailable` for each delivery, as a broken link's. */
const httpRelay = (client: EdgeClient): RelayTransport => ({
  relay: (edgeUrl, deliveries) =>
    client
      .deliver(edgeUrl, deliveries)
      .then((answer) =>
        deliveries.map((_, i) => (answer.kind === 'failure' ? 'unavailable' : (answer.outcomes[i]?.status ?? 'unavailable'))),
      ),
});

const TOKEN = 'd2d-router-spec-service-token';
const HERE = 'edge-here';
const THERE = 'edge-there';

/** A device connection on this edge. */
function connection(accountId: string, deviceId: string, phase: Phase = Phase.Open): Connection {
  const c = new Connection(Transport.WebSocket, `conn-${deviceId}`, phase);
  c.accountId = accountId;
  c.deviceId = deviceId;
  c.deviceType = 'tv';
  return c;
}

/** The key of device `deviceId` of acct-1 (or `accountId`) in the remote FakeEdge's `connections`. */
const held = (deviceId: string, accountId = 'acct-1') => deviceRefKey({ accountId, deviceId });

describe('D2dRouter', () => {
  let clock: ManualClock;
  let registryStore: MemoryRegistryStore;
  let registry: StoreRegistryClient;
  let lookups: jest.SpyInstance;
  let transport: EdgeClient;
  let remote: FakeEdge;
  let local: ConnectionTable;
  let deliveredHere: Delivery[];
  let router: D2dRouter;
  let seq: number;

  const phone = () => connection('acct-1', 'phone');
  /** How many deliveries each request to the remote edge carried, in arrival order. */
  const deliveriesPerRequest = () => remote.requests.map((r) => r.deliveries.length);
  const send = (from: Connection, to: string, payload: unknown = { hello: to }) =>
    new Promise<DeliveryStatus>((settle, fail) =>
      router.route(from, { type: 'd2d.send', reqId: `r${++seq}`, to, payload }, { settle, fail }),
    );
  /** The device connects to the remote edge: registered there, held there. Returns its connection id. */
  const connectRemote = async (accountId: string, deviceId: string, edgeUrl = remote.url, edgeId = THERE): Promise<string> => {
    const connectionId = `rc-${deviceId}-${++seq}`;
    await registry.register([
      {
        deviceId,
        accountId,
        deviceType: 'tv',
        edgeId,
        edgeUrl,
        connectionId,
        connectedAt: clock.now() + seq,
        expiresAt: Math.floor(clock.now() / 1000) + 3600,
      },
    ]);
    remote.connections.set(held(deviceId, accountId), connectionId);
    return connectionId;
  };
  /** A router over this test's registry, transport and local connections, with `policy`. */
  const makeRouter = (policy: D2dPolicy) =>
    new D2dRouter({
      edgeId: HERE,
      localConnection: (accountId, deviceId) => local.get(accountId, deviceId),
      deliverLocal: (d) => {
        deliveredHere.push(d);
        return { accountId: d.accountId, deviceId: d.deviceId, messageId: d.message.id, status: 'delivered', edgeId: HERE };
      },
      registry,
      transport: httpRelay(transport),
      routes: new RouteCache(30_000, 1_000, clock.now),
      policy,
      now: clock.now,
    });

  beforeEach(async () => {
    seq = 0;
    clock = new ManualClock();
    registryStore = new MemoryRegistryStore({ now: clock.now, sweepIntervalMs: 0 });
    registry = new StoreRegistryClient(registryStore);
    lookups = jest.spyOn(registry, 'lookup');
    transport = new EdgeClient({ serviceToken: TOKEN, timeoutMs: 2_000 });
    remote = await FakeEdge.start({ edgeId: THERE, serviceToken: TOKEN });
    await registry.renewLease(THERE, remote.url, 60);
    await registry.renewLease(HERE, 'http://127.0.0.1:1', 60);
    local = new ConnectionTable();
    deliveredHere = [];
    router = makeRouter(sameAccountPolicy);
  });

  afterEach(async () => {
    await transport.close();
    await registryStore.close();
    await remote.close();
  });

  describe('to a device on this edge', () => {
    it('delivers a d2d message from the sender, without asking the registry', async () => {
      local.add(connection('acct-1', 'tv'));
      expect(await send(phone(), 'tv', { volume: 7 })).toBe('delivered');
      expect(deliveredHere).toEqual([
        {
          accountId: 'acct-1',
          deviceId: 'tv',
          connectionId: 'conn-tv',
          from: 'phone',
          message: { id: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/), payload: { volume: 7 }, createdAt: clock.now() },
        },
      ]);
      expect(lookups).not.toHaveBeenCalled();
    });

    it("never reaches another account's device of that id: not_connected, as if it did not exist, delivering nothing", async () => {
      local.add(connection('acct-2', 'tv'));
      await connectRemote('acct-2', 'tv', 'http://127.0.0.1:1', HERE);
      expect(await send(phone(), 'tv')).toBe('not_connected');
      expect(deliveredHere).toEqual([]);
      expect(remote.deliveries).toEqual([]);
      expect(lookups).toHaveBeenCalledWith([{ accountId: 'acct-1', deviceId: 'tv' }]);
    });

    it('lets the policy refuse a device of the same account, delivering nothing', async () => {
      router = makeRouter({ allows: (_from, to) => to.deviceId !== 'tv' });
      local.add(connection('acct-1', 'tv'));
      expect(await send(phone(), 'tv')).toBe('forbidden');
      expect(deliveredHere).toEqual([]);
    });

    it('answers not_connected when the registry places the device here but it is not connected (any more)', async () => {
      await connectRemote('acct-1', 'tv', 'http://127.0.0.1:1', HERE);
      local.add(connection('acct-1', 'tv', Phase.Closed));
      expect(await send(phone(), 'tv')).toBe('not_connected');
      expect(deliveredHere).toEqual([]);
      expect(remote.deliveries).toEqual([]);
    });
  });

  describe('to a device on another edge', () => {
    it("delivers through that edge's /v1/deliver, fenced by connection id, then reuses the route", async () => {
      const tvConnection = await connectRemote('acct-1', 'tv');
      expect(await send(phone(), 'tv', { n: 1 })).toBe('delivered');
      expect(await send(phone(), 'tv', { n: 2 })).toBe('delivered');

      expect(remote.deliveries.map((d) => [d.deviceId, d.connectionId, d.from, d.message.payload])).toEqual([
        ['tv', tvConnection, 'phone', { n: 1 }],
        ['tv', tvConnection, 'phone', { n: 2 }],
      ]);
      expect([...new Set(remote.requests.map((r) => r.authorization))]).toEqual([`Bearer ${TOKEN}`]);
      expect(lookups).toHaveBeenCalledTimes(1);
    });

    it('looks a device up once for a burst of sends that all miss the route cache', async () => {
      await connectRemote('acct-1', 'tv');
      const statuses = await Promise.all(Array.from({ length: 20 }, (_, n) => send(phone(), 'tv', { n })));
      expect(statuses).toEqual(Array(20).fill('delivered'));
      expect(remote.deliveries.map((d) => d.message.payload)).toEqual(
        expect.arrayContaining(Array.from({ length: 20 }, (_, n) => ({ n }))),
      );
      expect(lookups).toHaveBeenCalledTimes(1);
      expect(deliveriesPerRequest()).toEqual([20]); // relayed together: they were sent in one turn of the event loop
      // Settled lookups are not kept: once the route expires, the next send asks the registry again.
      clock.advance(30_001);
      expect(await send(phone(), 'tv')).toBe('delivered');
      expect(lookups).toHaveBeenCalledTimes(2);
    });

    it('relays the sends of one event-loop turn to an edge in one request, answering each with its own status', async () => {
      await connectRemote('acct-1', 'tv-a');
      await connectRemote('acct-1', 'tv-b');
      expect(await Promise.all([send(phone(), 'tv-a'), send(phone(), 'tv-b')])).toEqual(['delivered', 'delivered']);
      expect(deliveriesPerRequest()).toEqual([2]);
      remote.connections.delete(held('tv-b')); // the edge lost tv-b; the registry has not caught up yet

      expect(
        await Promise.all([send(phone(), 'tv-a', { n: 1 }), send(phone(), 'tv-b', { n: 2 }), send(phone(), 'tv-a', { n: 3 })]),
      ).toEqual(['delivered', 'gone', 'delivered']);
      expect(deliveriesPerRequest()).toEqual([2, 3, 1]); // then tv-b's fresh lookup, and its one more try
      expect(remote.deliveries.slice(2).map((d) => [d.deviceId, d.message.payload])).toEqual([
        ['tv-a', { n: 1 }],
        ['tv-b', { n: 2 }],
        ['tv-a', { n: 3 }],
        ['tv-b', { n: 2 }],
      ]);
    });

    it("never reaches another account's device of that id there: the lookup names the sender's account", async () => {
      await connectRemote('acct-2', 'tv');
      expect(await send(phone(), 'tv')).toBe('not_connected');
      expect(await send(phone(), 'tv')).toBe('not_connected');
      expect(remote.deliveries).toEqual([]);
      expect(lookups.mock.calls).toEqual([[[{ accountId: 'acct-1', deviceId: 'tv' }]], [[{ accountId: 'acct-1', deviceId: 'tv' }]]]);
    });

    it('lets the policy refuse a device of the same account without calling its edge, cached route or not', async () => {
      router = makeRouter({ allows: (_from, to) => to.deviceId !== 'tv' });
      await connectRemote('acct-1', 'tv');
      expect(await send(phone(), 'tv')).toBe('forbidden');
      expect(await send(phone(), 'tv')).toBe('forbidden');
      expect(remote.deliveries).toEqual([]);
      expect(lookups).toHaveBeenCalledTimes(1);
    });

    it('drops a cached route answered gone and looks the device up once more', async () => {
      const first = await connectRemote('acct-1', 'tv');
      expect(await send(phone(), 'tv')).toBe('delivered'); // route cached
      const second = await connectRemote('acct-1', 'tv'); // the tv reconnected: the cached route is stale

      expect(await send(phone(), 'tv')).toBe('delivered');
      expect(await send(phone(), 'tv')).toBe('delivered'); // the new route is cached
      expect(remote.deliveries.map((d) => d.connectionId)).toEqual([first, first, second, second]);
      expect(lookups).toHaveBeenCalledTimes(2);
    });

    it('answers gone when the fresh lookup names the same stale connection, without looking up again', async () => {
      await connectRemote('acct-1', 'tv');
      expect(await send(phone(), 'tv')).toBe('delivered');
      remote.connections.delete(held('tv')); // the edge lost the tv; the registry has not caught up yet

      expect(await send(phone(), 'tv')).toBe('gone');
      expect(remote.deliveries).toHaveLength(3);
      expect(lookups).toHaveBeenCalledTimes(2);
    });

    it('forgets a route answered gone when the device has left the registry too', async () => {
      const tvConnection = await connectRemote('acct-1', 'tv');
      expect(await send(phone(), 'tv')).toBe('delivered');
      await registry.deregister([{ accountId: 'acct-1', deviceId: 'tv', connectionId: tvConnection }]);
      remote.connections.delete(held('tv'));

      expect(await send(phone(), 'tv')).toBe('not_connected');
      expect(await send(phone(), 'tv')).toBe('not_connected'); // no second try of the dead route
      expect(remote.deliveries).toHaveLength(2);
      expect(lookups).toHaveBeenCalledTimes(3);
    });

    it('answers not_connected for a device the registry does not know', async () => {
      expect(await send(phone(), 'nobody')).toBe('not_connected');
      expect(remote.deliveries).toEqual([]);
    });

    it("answers unavailable when the device's edge cannot be reached", async () => {
      const deadUrl = await unusedUrl();
      await registry.renewLease('edge-dead', deadUrl, 60);
      await connectRemote('acct-1', 'tv', deadUrl, 'edge-dead');

      expect(await send(phone(), 'tv')).toBe('unavailable');
    });
  });

  describe('when the registry fails', () => {
    it('answers unavailable for a device it must look up, and still reaches local devices and cached routes', async () => {
      await connectRemote('acct-1', 'tv');
      expect(await send(phone(), 'tv')).toBe('delivered'); // route cached
      local.add(connection('acct-1', 'laptop'));
      await registryStore.close();

      expect(await send(phone(), 'watch')).toBe('unavailable');
      expect(await send(phone(), 'laptop')).toBe('delivered');
      expect(await send(phone(), 'tv')).toBe('delivered');
      expect(remote.deliveries.map((d) => d.deviceId)).toEqual(['tv', 'tv']);
      expect(deliveredHere.map((d) => d.deviceId)).toEqual(['laptop']);
    });
  });
});
