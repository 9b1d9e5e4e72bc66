import { MemoryEventBus } from '@pushwire/event-bus';
import { Inbox } from '@pushwire/event-bus/testing';
import { Topics, Validators, type AccountNotice, type DeviceConnectionEvent } from '@pushwire/protocol';
import { MemoryRegistryStore, StoreRegistryClient } from '@pushwire/registry';
import { ManualClock } from '@pushwire/registry/testing';
import { StubService } from '@pushwire/service-http/testing';
import { silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import { loadDeviceListConfig } from './device-list-config';
import { DeviceListService } from './device-list-service';
import { MemoryDeviceListStore } from './memory-device-list-store';

// The whole device-list service (consumer → tracker → store → notifier, lease sweep, HTTP API) on the
// in-memory bus, the memory store and an in-process registry whose lease clock the test moves. Edges
// are StubServices that record the notices POSTed to their /v1/notify.

const TOKEN = 'device-list-spec-service-token';
const auth = { authorization: `Bearer ${TOKEN}` };
/** Lease TTL of the edges in the sweep tests. */
const LEASE_TTL_S = 10;

jest.setTimeout(15_000);

/** An edge's internal port as far as the device list sees it: POST /v1/notify, recorded. */
interface NoticeEdge {
  edgeId: string;
  edgeUrl: string;
  notices: AccountNotice[];
  /** Authorization headers the notices came with. */
  authorizations: Set<string>;
  close(): Promise<void>;
}

async function startNoticeEdge(edgeId: string): Promise<NoticeEdge> {
  const notices: AccountNotice[] = [];
  const authorizations = new Set<string>();
  const stub = await StubService.start();
  stub.answer = (req) => {
    if (req.method !== 'POST' || req.url !== '/v1/notify') return { status: 404 };
    authorizations.add(req.authorization ?? '');
    notices.push(Validators.accountNotice.decode(req.body));
    return { status: 200, body: { notified: 1 } };
  };
  return { edgeId, edgeUrl: stub.url, notices, authorizations, close: () => stub.close() };
}

/** What an edge was told, one line a notice: `acct-1: online tv`. */
const told = (edge: NoticeEdge): string[] =>
  edge.notices.map(
    (n) => `${n.accountId}: ${n.frame.type === 'device.online' ? `online ${n.frame.device.deviceId}` : `offline ${n.frame.deviceId}`}`,
  );

/** One connection of a device, as the events about it name it. */
interface Conn {
  accountId: string;
  deviceId: string;
  deviceName?: string;
  edge: NoticeEdge;
  connectionId: string;
  connectedAt: number;
}

describe('DeviceListService', () => {
  let clock: ManualClock;
  let bus: MemoryEventBus;
  let store: MemoryDeviceListStore;
  let registryStore: MemoryRegistryStore;
  let registry: StoreRegistryClient;
  let service: DeviceListService;
  let edgeA: NoticeEdge;
  let edgeB: NoticeEdge;
  let edgeC: NoticeEdge;
  let seq: number;

  /** A new connection of a device, newer than every one made before it in the test. */
  const conn = (accountId: string, deviceId: string, edge: NoticeEdge, over: Partial<Conn> = {}): Conn => {
    seq++;
    return { accountId, deviceId, edge, connectionId: `conn-${seq}`, connectedAt: clock.now() + seq * 1_000, ...over };
  };
  const connected = (c: Conn, at = c.connectedAt): DeviceConnectionEvent => ({
    v: 1,
    kind: 'connected',
    accountId: c.accountId,
    deviceId: c.deviceId,
    deviceType: 'tv',
    ...(c.deviceName !== undefined ? { deviceName: c.deviceName } : {}),
    connectionId: c.connectionId,
    connectedAt: c.connectedAt,
    edgeId: c.edge.edgeId,
    edgeUrl: c.edge.edgeUrl,
    at,
  });
  const disconnected = (c: Conn, at = c.connectedAt + 500): DeviceConnectionEvent => ({ ...connected(c, at), kind: 'disconnected' });

  /** Publishes as an edge does: keyed by account, in order. */
  const publish = (...events: DeviceConnectionEvent[]) =>
    bus.publish(
      Topics.deviceConnections,
      events.map((e) => ({ key: e.accountId, value: JSON.stringify(e) })),
    );

  const getDevices = (accountId: string, headers: Record<string, string> = auth) =>
    service.app.inject({ method: 'GET', url: `/v1/accounts/${accountId}/devices`, headers });
  /** Device ids the API lists as online, in its order. */
  const listed = async (accountId: string): Promise<string[]> => {
    const res = await getDevices(accountId);
    expect(res.statusCode).toBe(200);
    return (res.json() as { devices: { deviceId: string }[] }).devices.map((d) => d.deviceId);
  };
  const knownEdges = async () => (await store.knownEdges()).sort((a, b) => a.edgeId.localeCompare(b.edgeId));

  beforeEach(async () => {
    seq = 0;
    clock = new ManualClock();
    bus = new MemoryEventBus();
    store = new MemoryDeviceListStore();
    registryStore = new MemoryRegistryStore({ now: clock.now, sweepIntervalMs: 0 });
    registry = new StoreRegistryClient(registryStore);
    [edgeA, edgeB, edgeC] = await Promise.all([startNoticeEdge('edge-a'), startNoticeEdge('edge-b'), startNoticeEdge('edge-c')]);
    // The longest sweep interval: the timer never fires in a test, which sweeps by hand.
    const config = loadDeviceListConfig({}, { serviceToken: TOKEN, host: '127.0.0.1', port: 0, sweepIntervalMs: 600_000 });
    service = new DeviceListService({ config, bus, store, registry, logger: silentLogger() });
    await service.start();
  });

  afterEach(async () => {
    await service.stop();
    await bus.close();
    await store.close();
    await registryStore.close();
    await Promise.all([edgeA, edgeB, edgeC].map((e) => e.close()));
  });

  describe('the device list API', () => {
    it('lists exactly the online devices of an account, oldest connection first', async () => {
      const phone = conn('acct-1', 'phone', edgeB);
      const tv = conn('acct-1', 'tv', edgeA, { deviceName: 'Living room', connectedAt: phone.connectedAt - 5_000 });
      const laptop = conn('acct-1', 'laptop', edgeA);
      const other = conn('acct-2', 'other-tv', edgeC);
      await publish(connected(phone), connected(tv), connected(laptop), connected(other), disconnected(laptop));

      await waitFor(async () => told(edgeA).includes('acct-1: offline laptop'), { what: 'laptop connected and gone' });
      const res = await getDevices('acct-1');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        accountId: 'acct-1',
        devices: [
          { deviceId: 'tv', deviceType: 'tv', deviceName: 'Living room', connectedAt: tv.connectedAt },
          { deviceId: 'phone', deviceType: 'tv', connectedAt: phone.connectedAt },
        ],
      });
      await waitFor(async () => (await listed('acct-2')).length === 1, { what: 'acct-2 listed' });
      expect(await listed('acct-2')).toEqual(['other-tv']);
      expect(await listed('acct-unknown')).toEqual([]);
    });

    it('answers 401 without the service token or with a wrong one', async () => {
      for (const headers of [{}, { authorization: 'Bearer not-the-service-token' }, { authorization: TOKEN }] as Record<string, string>[]) {
        const res = await getDevices('acct-1', headers);
        expect(res.statusCode).toBe(401);
        expect(res.json()).toMatchObject({ error: { code: 'unauthorized' } });
      }
    });

    it('answers 400 invalid_request for a malformed account id', async () => {
      for (const accountId of ['bad%20id', 'acct%21', 'acct%2Fsub']) {
        const res = await getDevices(accountId);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({ error: { code: 'invalid_request' } });
      }
    });

    it('lists a device of an account id at the protocol limit of 128 characters, and refuses 129 with a JSON 400', async () => {
      const longest = 'a'.repeat(128);
      await publish(connected(conn(longest, 'tv', edgeA)));
      await waitFor(async () => (await listed(longest)).length === 1, { what: 'tv of the long account listed' });
      const tooLong = await getDevices('a'.repeat(129));
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.json()).toMatchObject({ error: { code: 'invalid_request' } });
    });

    it('answers 503 store_unavailable when the store fails, never an empty list', async () => {
      await publish(connected(conn('acct-1', 'tv', edgeA)));
      await waitFor(async () => (await listed('acct-1')).length === 1, { what: 'tv listed' });
      await store.close();

      const res = await getDevices('acct-1');
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json()).toMatchObject({ error: { code: 'store_unavailable' } });
    });
  });

  describe('notices to edges', () => {
    it("tells the account's edges device.online and device.offline, and no other account's edge", async () => {
      const tv = conn('acct-1', 'tv', edgeA, { deviceName: 'Living room' });
      const phone = conn('acct-1', 'phone', edgeB);
      const other = conn('acct-2', 'other-tv', edgeC);
      await publish(connected(tv));
      await waitFor(() => edgeA.notices.length === 1, { what: 'tv online told' });
      await publish(connected(phone), connected(other));
      await waitFor(() => edgeB.notices.length === 1 && edgeC.notices.length === 1, { what: 'phone online told' });
      await publish(disconnected(tv));
      await waitFor(() => edgeB.notices.length === 2, { what: 'tv offline told' });

      // A notice goes to every edge holding an online device of the account (the device's own
      // edge included: the edge skips the device itself), so the offline tv's edge hears nothing.
      expect(told(edgeA)).toEqual(['acct-1: online tv', 'acct-1: online phone']);
      expect(told(edgeB)).toEqual(['acct-1: online phone', 'acct-1: offline tv']);
      expect(told(edgeC)).toEqual(['acct-2: online other-tv']);
      expect(edgeA.notices[0]).toEqual({
        accountId: 'acct-1',
        frame: {
          type: 'device.online',
          device: { deviceId: 'tv', deviceType: 'tv', deviceName: 'Living room', connectedAt: tv.connectedAt },
        },
      });
      expect(edgeB.notices[1]).toEqual({ accountId: 'acct-1', frame: { type: 'device.offline', deviceId: 'tv' } });
      for (const edge of [edgeA, edgeB, edgeC]) expect([...edge.authorizations]).toEqual([`Bearer ${TOKEN}`]);
      expect(await listed('acct-1')).toEqual(['phone']);
    });

    it('ignores a late disconnect of a replaced connection and a replayed connect, saying nothing', async () => {
      const phone = conn('acct-1', 'phone', edgeB);
      const tvOld = conn('acct-1', 'tv', edgeA);
      const tvNew = conn('acct-1', 'tv', edgeA);
      const laptop = conn('acct-1', 'laptop', edgeB);
      await publish(connected(phone), connected(tvOld), connected(tvNew), connected(laptop), disconnected(laptop));
      await waitFor(() => edgeB.notices.length === 5, { what: 'laptop offline told' });

      // The old tv connection's disconnect arrives late (seen after the new connection started), the
      // laptop's connect is replayed after its disconnect; a new device's connect marks the end.
      const watch = conn('acct-1', 'watch', edgeB);
      await publish(disconnected(tvOld, tvNew.connectedAt + 1), connected(laptop), connected(watch));
      await waitFor(() => edgeB.notices.length === 6, { what: 'the marker told' });

      expect(told(edgeB)).toEqual([
        'acct-1: online phone',
        'acct-1: online tv',
        'acct-1: online tv',
        'acct-1: online laptop',
        'acct-1: offline laptop',
        'acct-1: online watch',
      ]);
      const res = await getDevices('acct-1');
      expect((res.json() as { devices: unknown[] }).devices).toEqual([
        { deviceId: 'phone', deviceType: 'tv', connectedAt: phone.connectedAt },
        { deviceId: 'tv', deviceType: 'tv', connectedAt: tvNew.connectedAt },
        { deviceId: 'watch', deviceType: 'tv', connectedAt: watch.connectedAt },
      ]);
    });
  });

  it('dead-letters a record nested 10,000 deep as invalid_record, saying why, and applies the next one', async () => {
    const dlq = new Inbox();
    await bus.subscribe({ groupId: 'dlq-deep', topics: [Topics.deviceConnectionsDlq], handler: dlq.handler });
    const deep = `{"v":1,"kind":"connected","accountId":"acct-9","extra":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const tv = conn('acct-9', 'tv', edgeA);
    await bus.publish(Topics.deviceConnections, [
      { key: 'acct-9', value: deep },
      { key: 'acct-9', value: JSON.stringify(connected(tv)) },
    ]);
    const [letter] = (await dlq.until(1)).map((r) => Validators.deadLetterRecord.decode(JSON.parse(r.value)));
    expect(letter).toMatchObject({
      reason: 'invalid_record',
      value: deep,
      detail: 'record value: / nests arrays and objects deeper than 64 levels',
    });
    await waitFor(async () => (await listed('acct-9')).length === 1, { what: 'tv listed' });
  });

  it('dead-letters an unreadable record with reason invalid_record and still applies the records after it', async () => {
    const dlq = new Inbox();
    await bus.subscribe({ groupId: 'dlq-reader', topics: [Topics.deviceConnectionsDlq], handler: dlq.handler });
    const tv = conn('acct-1', 'tv', edgeA);
    const phone = conn('acct-1', 'phone', edgeA);
    const noSuchKind = JSON.stringify({ ...connected(phone), kind: 'exploded' });
    await bus.publish(Topics.deviceConnections, [
      { key: 'acct-1', value: JSON.stringify(connected(tv)) },
      { key: 'acct-1', value: 'not json {' },
      { key: 'acct-1', value: noSuchKind },
      { key: 'acct-1', value: JSON.stringify(connected(phone)) },
    ]);

    const letters = (await dlq.until(2)).map((r) => Validators.deadLetterRecord.decode(JSON.parse(r.value)));
    expect(letters.map((l) => [l.reason, l.key, l.value, l.source.topic])).toEqual([
      ['invalid_record', 'acct-1', 'not json {', Topics.deviceConnections],
      ['invalid_record', 'acct-1', noSuchKind, Topics.deviceConnections],
    ]);
    for (const l of letters) expect(l.detail).not.toBe('');
    await waitFor(async () => (await listed('acct-1')).length === 2, { what: 'both devices listed' });
    expect(await listed('acct-1')).toEqual(['tv', 'phone']);

    // The consumer goes on: a record published later is applied too.
    await publish(disconnected(tv));
    await waitFor(async () => (await listed('acct-1')).length === 1, { what: 'tv offline' });
    expect(await listed('acct-1')).toEqual(['phone']);
    expect(dlq.records).toHaveLength(2);
  });

  describe('lease sweep', () => {
    let tv: Conn;
    let phone: Conn;

    /** acct-1's tv on edge A and phone on edge B, both edges holding a lease; then edge A crashes and a sweep runs. */
    async function crashEdgeAAndSweep(): Promise<number> {
      await registry.renewLease(edgeA.edgeId, edgeA.edgeUrl, LEASE_TTL_S);
      await registry.renewLease(edgeB.edgeId, edgeB.edgeUrl, LEASE_TTL_S);
      tv = conn('acct-1', 'tv', edgeA);
      phone = conn('acct-1', 'phone', edgeB);
      await publish(connected(tv), connected(phone));
      await waitFor(() => edgeA.notices.length === 2 && edgeB.notices.length === 1, { what: 'both online told' });
      expect(await listed('acct-1')).toEqual(['tv', 'phone']);
      expect(await service.sweeper.sweep()).toBe(0); // every lease live: nothing to do
      expect(await knownEdges()).toEqual([
        { edgeId: 'edge-a', edgeUrl: edgeA.edgeUrl },
        { edgeId: 'edge-b', edgeUrl: edgeB.edgeUrl },
      ]);

      // Edge A stops renewing (it crashed); edge B renews as it should.
      clock.advance(LEASE_TTL_S * 1_000 + 1_000);
      await registry.renewLease(edgeB.edgeId, edgeB.edgeUrl, LEASE_TTL_S);
      edgeA.notices.length = 0;
      edgeB.notices.length = 0;
      return service.sweeper.sweep();
    }

    it("marks the devices of an edge whose lease lapsed offline, tells the account's other edges, and forgets the edge", async () => {
      expect(await crashEdgeAAndSweep()).toBe(1);

      expect(await listed('acct-1')).toEqual(['phone']);
      expect(told(edgeB)).toEqual(['acct-1: offline tv']);
      expect(told(edgeA)).toEqual([]);
      expect(await knownEdges()).toEqual([{ edgeId: 'edge-b', edgeUrl: edgeB.edgeUrl }]);
      // Nothing left to do on the next sweep.
      expect(await service.sweeper.sweep()).toBe(0);
      expect(told(edgeB)).toEqual(['acct-1: offline tv']);
    });

    it('brings the devices back online when the edge takes its lease again and re-announces them', async () => {
      expect(await crashEdgeAAndSweep()).toBe(1);

      clock.advance(1_000);
      expect((await registry.renewLease(edgeA.edgeId, edgeA.edgeUrl, LEASE_TTL_S)).renewed).toBe(false);
      // The same connection, announced again with a later event time.
      await publish(connected(tv, clock.now()));
      await waitFor(() => edgeA.notices.length === 1 && edgeB.notices.length === 2, { what: 'tv back online told' });

      expect(await listed('acct-1')).toEqual(['tv', 'phone']);
      expect(told(edgeA)).toEqual(['acct-1: online tv']);
      expect(told(edgeB)).toEqual(['acct-1: offline tv', 'acct-1: online tv']);
      // Remembered again, so a second crash would be swept too; with the lease live, nothing is.
      expect(await knownEdges()).toEqual([
        { edgeId: 'edge-a', edgeUrl: edgeA.edgeUrl },
        { edgeId: 'edge-b', edgeUrl: edgeB.edgeUrl },
      ]);
      expect(await service.sweeper.sweep()).toBe(0);
      expect(await listed('acct-1')).toEqual(['tv', 'phone']);
    });
  });
});
