import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { DeviceConnectionEvent } from '@pushwire/protocol';
import { StoreUnavailableError } from '@pushwire/service-kit';
import type { DeviceListStore, KnownEdge } from '../device-list-store';
import { recordOf, type DeviceRecord, type DeviceStateChange } from '../device-record';
import { isNewer } from '../ordering';

/** A store for one test, and what releases it (closing an already closed store must be fine). */
export interface DeviceListStoreUnderTest {
  store: DeviceListStore;
  cleanup: () => Promise<void>;
}

const byDevice = (records: DeviceRecord[]) => [...records].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
const byEdge = (edges: KnownEdge[]) => [...edges].sort((a, b) => a.edgeId.localeCompare(b.edgeId));

/** Newest-wins order of changes to one device, written out independently of `isNewer`: connect time, connection id, event time. */
function compareChanges(a: DeviceStateChange, b: DeviceStateChange): number {
  if (a.connectedAt !== b.connectedAt) return a.connectedAt - b.connectedAt;
  if (a.connectionId !== b.connectionId) return a.connectionId < b.connectionId ? -1 : 1;
  return a.at - b.at;
}

/**
 * The behaviour every DeviceListStore must show, as a jest suite. It uses only the interface and
 * ids unique to each test (and each property run), so it runs unchanged against the memory store
 * and against a real store on a table shared by the whole run (DynamoDB Local).
 *
 * @param makeStore builds a fresh store for one test; the suite calls `cleanup` after the test.
 */
export function describeDeviceListStoreContract(name: string, makeStore: () => Promise<DeviceListStoreUnderTest>): void {
  describe(`DeviceListStore contract: ${name}`, () => {
    /** Connect times of the events below: any recent epoch millisecond works. */
    const T0 = 1_760_000_000_000;
    let store: DeviceListStore;
    let cleanup: () => Promise<void>;
    let run: string;
    let seq = 0;

    const account = (n: number | string) => `acct-${run}-${n}`;
    const device = (n: number | string) => `dev-${run}-${n}`;
    const edge = (n: number | string): KnownEdge => ({ edgeId: `edge-${run}-${n}`, edgeUrl: `http://edge-${n}.test:8081` });
    const ownEdges = async () => byEdge((await store.knownEdges()).filter((e) => e.edgeId.startsWith(`edge-${run}-`)));

    /** A new connection of device `n` (account 1, edge 1), newer than every connection made before it. */
    const connected = (deviceNo: number, over: Partial<DeviceConnectionEvent> = {}): DeviceConnectionEvent => {
      const connectedAt = T0 + ++seq * 1_000;
      return {
        v: 1,
        kind: 'connected',
        accountId: account(1),
        deviceId: device(deviceNo),
        deviceType: 'phone',
        connectionId: `conn-${run}-${seq}`,
        connectedAt,
        ...edge(1),
        at: connectedAt,
        ...over,
      };
    };
    /** The `disconnected` of that connection, seen `afterMs` after the event it follows. */
    const disconnected = (of: DeviceConnectionEvent, afterMs = 1_000): DeviceConnectionEvent => ({
      ...of,
      kind: 'disconnected',
      at: of.at + afterMs,
    });
    /**
     * The stored state of a device with at least one applied change, read through `apply`: a change
     * about a connection older than any real one never applies and answers with the current state.
     */
    const storedState = async (accountId: string, deviceId: string): Promise<DeviceRecord> => {
      const probe: DeviceConnectionEvent = {
        v: 1,
        kind: 'disconnected',
        accountId,
        deviceId,
        deviceType: 'probe',
        connectionId: 'probe',
        connectedAt: 0,
        edgeId: 'probe',
        edgeUrl: 'http://probe',
        at: 0,
      };
      const result = await store.apply(probe);
      if (result.applied) throw new Error(`device ${deviceId} had no stored state (the probe applied)`);
      return result.current;
    };

    beforeEach(async () => {
      run = randomUUID().slice(0, 8);
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('lists a connected device as online with its info', async () => {
      const c = connected(1, { deviceType: 'tv', deviceName: 'Living room TV' });
      expect(await store.apply(c)).toEqual({ applied: true, record: recordOf(c), previous: undefined });
      expect(recordOf(c)).toMatchObject({ online: true, deviceName: 'Living room TV', deviceType: 'tv', eventAt: c.at });
      expect(await store.listOnline(c.accountId)).toEqual([recordOf(c)]);
      expect(await store.onlineOnEdge(c.edgeId)).toEqual([recordOf(c)]);
    });

    it('drops a device from the list when its connection disconnects, returning the online state as previous', async () => {
      const c = connected(1);
      const d = disconnected(c);
      await store.apply(c);
      expect(await store.apply(d)).toEqual({
        applied: true,
        record: { ...recordOf(c), online: false, eventAt: d.at },
        previous: recordOf(c),
      });
      expect(await store.listOnline(c.accountId)).toEqual([]);
      expect(await store.onlineOnEdge(c.edgeId)).toEqual([]);
    });

    it('ignores a late disconnected of a replaced connection, however late it was seen', async () => {
      const older = connected(1);
      const newer = connected(1, edge(2));
      await store.apply(older);
      expect(await store.apply(newer)).toEqual({ applied: true, record: recordOf(newer), previous: recordOf(older) });
      const late = disconnected(older, newer.at - older.at + 60_000);
      expect(await store.apply(late)).toEqual({ applied: false, current: recordOf(newer) });
      expect(await store.listOnline(newer.accountId)).toEqual([recordOf(newer)]);
      expect(await store.onlineOnEdge(edge(2).edgeId)).toEqual([recordOf(newer)]);
      expect(await store.onlineOnEdge(edge(1).edgeId)).toEqual([]);
    });

    it('ignores an older connection arriving after a newer one', async () => {
      const older = connected(1);
      const newer = connected(1, edge(2));
      await store.apply(newer);
      expect(await store.apply(older)).toEqual({ applied: false, current: recordOf(newer) });
      expect(await store.listOnline(newer.accountId)).toEqual([recordOf(newer)]);
    });

    it('ignores a replayed connected after the disconnected of the same connection', async () => {
      const c = connected(1);
      const d = disconnected(c);
      await store.apply(c);
      await store.apply(d);
      expect(await store.apply(c)).toEqual({ applied: false, current: recordOf(d) });
      expect(await store.listOnline(c.accountId)).toEqual([]);
      expect(await store.onlineOnEdge(c.edgeId)).toEqual([]);
    });

    it('treats the same event again as a no-op', async () => {
      const c = connected(1);
      await store.apply(c);
      expect(await store.apply(c)).toEqual({ applied: false, current: recordOf(c) });
      expect(await store.listOnline(c.accountId)).toEqual([recordOf(c)]);
    });

    it('applies the same connection re-announced with a later at', async () => {
      const c = connected(1, { deviceName: 'Phone' });
      const again: DeviceConnectionEvent = { ...c, at: c.at + 30_000, deviceName: 'Phone (renamed)' };
      await store.apply(c);
      expect(await store.apply(again)).toEqual({ applied: true, record: recordOf(again), previous: recordOf(c) });
      expect(await store.listOnline(c.accountId)).toEqual([recordOf(again)]);
      // The edge re-announcing a connection after its `disconnected` (a lease lapse that was not real) brings it back.
      const d = disconnected(again);
      const revived: DeviceConnectionEvent = { ...again, at: d.at + 1 };
      await store.apply(d);
      expect(await store.apply(revived)).toMatchObject({ applied: true, record: recordOf(revived) });
      expect(await store.listOnline(c.accountId)).toEqual([recordOf(revived)]);
    });

    it('breaks a tie on connectedAt by connection id, whatever order the connections arrive in', async () => {
      const connectedAt = T0 + ++seq * 1_000;
      const tie = (deviceNo: number, id: 'a' | 'b', edgeNo: number) =>
        connected(deviceNo, { connectionId: `conn-${run}-${id}`, connectedAt, at: connectedAt + (id === 'a' ? 5 : 0), ...edge(edgeNo) });
      // Device 1 sees a then b, device 2 sees b then a: both end on connection b, although a's event is later.
      await store.apply(tie(1, 'a', 1));
      expect(await store.apply(tie(1, 'b', 2))).toEqual({
        applied: true,
        record: recordOf(tie(1, 'b', 2)),
        previous: recordOf(tie(1, 'a', 1)),
      });
      await store.apply(tie(2, 'b', 2));
      expect(await store.apply(tie(2, 'a', 1))).toEqual({ applied: false, current: recordOf(tie(2, 'b', 2)) });
      // The loser's disconnect changes nothing either.
      expect(await store.apply(disconnected(tie(1, 'a', 1)))).toEqual({ applied: false, current: recordOf(tie(1, 'b', 2)) });
      expect(byDevice(await store.listOnline(account(1)))).toEqual([recordOf(tie(1, 'b', 2)), recordOf(tie(2, 'b', 2))]);
    });

    it("lists only the account's online devices, oldest connection first", async () => {
      const first = connected(2);
      const second = connected(3, { deviceName: 'Tablet' });
      const gone = connected(4);
      const other = connected(5, { accountId: account(2) });
      const third = connected(1);
      // Applied out of order: the list is sorted by connect time, not by arrival or device id.
      for (const e of [third, other, gone, second, first, disconnected(gone)]) await store.apply(e);
      expect(await store.listOnline(account(1))).toEqual([first, second, third].map(recordOf));
      expect(await store.listOnline(account(2))).toEqual([recordOf(other)]);
      expect(await store.listOnline(account(3))).toEqual([]);
    });

    it("keeps two accounts' devices of the same id apart: neither's connection hides, replaces or ends the other's", async () => {
      const mine = connected(1);
      const theirs = connected(1, { accountId: account(2), ...edge(2) }); // newer, same device id
      for (const e of [mine, theirs]) expect((await store.apply(e)).applied).toBe(true);
      expect(await store.listOnline(account(1))).toEqual([recordOf(mine)]);
      expect(await store.listOnline(account(2))).toEqual([recordOf(theirs)]);
      // Account 2's device leaving takes only itself off the list: account 1's device of that id stays.
      expect((await store.apply(disconnected(theirs))).applied).toBe(true);
      expect(await store.listOnline(account(1))).toEqual([recordOf(mine)]);
      expect(await store.listOnline(account(2))).toEqual([]);
    });

    it('lists the online devices whose current connection is on an edge, across accounts', async () => {
      const stays = connected(1);
      const moves = connected(2);
      const moved = connected(2, edge(2));
      const leaves = connected(3);
      const otherAccount = connected(4, { accountId: account(2) });
      for (const e of [stays, moves, moved, leaves, disconnected(leaves), otherAccount]) await store.apply(e);
      expect(byDevice(await store.onlineOnEdge(edge(1).edgeId))).toEqual([recordOf(stays), recordOf(otherAccount)]);
      expect(await store.onlineOnEdge(edge(2).edgeId)).toEqual([recordOf(moved)]);
      expect(await store.onlineOnEdge(edge(404).edgeId)).toEqual([]);
    });

    it('remembers, lists and forgets edges idempotently', async () => {
      expect(await ownEdges()).toEqual([]);
      await store.rememberEdge(edge(1));
      await store.rememberEdge(edge(1));
      await store.rememberEdge(edge(2));
      expect(await ownEdges()).toEqual([edge(1), edge(2)]);
      const moved = { ...edge(1), edgeUrl: 'http://edge-1-moved.test:8081' };
      await store.rememberEdge(moved);
      expect(await ownEdges()).toEqual([moved, edge(2)]);
      await store.forgetEdge(edge(1).edgeId);
      await store.forgetEdge(edge(1).edgeId);
      await store.forgetEdge(edge(404).edgeId);
      expect(await ownEdges()).toEqual([edge(2)]);
    });

    it('rejects every call with StoreUnavailableError after close()', async () => {
      const c = connected(1);
      await store.apply(c);
      await store.close();
      const calls: (() => Promise<unknown>)[] = [
        () => store.apply(connected(2)),
        () => store.listOnline(c.accountId),
        () => store.onlineOnEdge(c.edgeId),
        () => store.rememberEdge(edge(1)),
        () => store.knownEdges(),
        () => store.forgetEdge(edge(1).edgeId),
      ];
      for (const call of calls) await expect(call()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.close()).resolves.toBeUndefined();
    });

    it('ends in the state of the newest change of each device, whatever order the changes arrive in', async () => {
      let scenario = 0;
      /** A few connections of up to 3 devices on 2 edges, with connect times that tie, each with 1-3 events. */
      const connection = fc.record({
        device: fc.integer({ min: 0, max: 2 }),
        id: fc.constantFrom('a', 'b', 'c'),
        connectedAt: fc.integer({ min: 0, max: 2 }),
        edge: fc.integer({ min: 0, max: 1 }),
        deviceName: fc.option(fc.constantFrom('Kitchen', 'Phone'), { nil: undefined }),
        // Unique `at` per connection: two events with equal keys but another kind would have no defined winner.
        events: fc.uniqueArray(
          fc.record({ kind: fc.constantFrom('connected' as const, 'disconnected' as const), at: fc.integer({ min: 0, max: 5 }) }),
          {
            selector: (e) => e.at,
            minLength: 1,
            maxLength: 3,
          },
        ),
      });
      const scenarios = fc
        .record({
          connections: fc.uniqueArray(connection, { selector: (c) => `${c.device}/${c.id}`, minLength: 1, maxLength: 6 }),
          replays: fc.array(fc.nat(), { maxLength: 3 }),
        })
        .map(({ connections, replays }) => {
          const tag = `p${++scenario}`;
          const events: DeviceConnectionEvent[] = connections.flatMap((c) =>
            c.events.map((e) => ({
              v: 1 as const,
              kind: e.kind,
              accountId: account(tag),
              deviceId: device(`${tag}-${c.device}`),
              deviceType: 'phone',
              ...(c.deviceName !== undefined ? { deviceName: c.deviceName } : {}),
              connectionId: `conn-${run}-${c.id}`,
              connectedAt: T0 + c.connectedAt,
              ...edge(`${tag}-${c.edge}`),
              at: T0 + c.connectedAt + e.at,
            })),
          );
          // Exact duplicates, as a redelivered or replayed topic produces them.
          return [...events, ...replays.map((i) => events[i % events.length]!)];
        })
        .chain((events) => fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }));

      await fc.assert(
        fc.asyncProperty(scenarios, async (arrival) => {
          // Each change applies exactly when it is newer than what its device holds at that moment.
          const held = new Map<string, DeviceRecord>();
          for (const change of arrival) {
            const before = held.get(change.deviceId);
            const result = await store.apply(change);
            if (isNewer(change, before)) {
              expect(result).toEqual({ applied: true, record: recordOf(change), previous: before });
              held.set(change.deviceId, recordOf(change));
            } else {
              expect(result).toEqual({ applied: false, current: before });
            }
          }
          // The end state is the newest change of each device, as applying them oldest first gives.
          const newest = new Map<string, DeviceStateChange>();
          for (const change of [...arrival].sort(compareChanges)) newest.set(change.deviceId, change);
          const expected = [...newest.values()].map(recordOf);
          const accountId = arrival[0]!.accountId;
          for (const r of expected) expect(await storedState(accountId, r.deviceId)).toEqual(r);
          const online = await store.listOnline(accountId);
          expect(byDevice(online)).toEqual(byDevice(expected.filter((r) => r.online)));
          expect(online.map((r) => r.connectedAt)).toEqual(online.map((r) => r.connectedAt).sort((a, b) => a - b));
          for (const edgeId of new Set(arrival.map((c) => c.edgeId))) {
            expect(byDevice(await store.onlineOnEdge(edgeId))).toEqual(byDevice(expected.filter((r) => r.online && r.edgeId === edgeId)));
          }
        }),
        { numRuns: 40 },
      );
    });
  });
}
