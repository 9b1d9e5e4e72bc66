import { randomUUID } from 'node:crypto';
import type { DeviceRef, LeaseStatus, Registration } from '@pushwire/protocol';
import type { RegistryStore } from '../registry-store';
import { ManualClock } from './manual-clock';

const byDevice = (a: Registration, b: Registration) => a.accountId.localeCompare(b.accountId) || a.deviceId.localeCompare(b.deviceId);
/** The device a registration is about: its account and its id. */
const ref = (r: Registration): DeviceRef => ({ accountId: r.accountId, deviceId: r.deviceId });
const sorted = (regs: Registration[]) => [...regs].sort(byDevice);
const byEdge = (leases: LeaseStatus[]) => [...leases].sort((a, b) => a.edgeId.localeCompare(b.edgeId));

/**
 * The behaviour every RegistryStore must show, as a jest suite. It uses only the interface and the
 * injected clock, and unique ids per test, so it runs unchanged against the memory store and against
 * a real store on a shared table (DynamoDB Local).
 *
 * @param makeStore builds a fresh store reading time from `clock.now`; the suite closes it.
 */
export function describeRegistryStoreContract(name: string, makeStore: (clock: ManualClock) => Promise<RegistryStore>): void {
  describe(`RegistryStore contract: ${name}`, () => {
    const LEASE_TTL_SECONDS = 30;
    const RECORD_TTL_SECONDS = 1800;
    let clock: ManualClock;
    let store: RegistryStore;
    let run: string;
    let seq = 0;

    const nowSeconds = () => Math.floor(clock.now() / 1000);
    const edge = (n: number) => ({ edgeId: `edge-${run}-${n}`, edgeUrl: `http://edge-${n}.test:8081` });
    const account = (n: number) => `acct-${run}-${n}`;
    const device = (n: number) => `dev-${run}-${n}`;
    /** Device `n` of account `accountNo` (1 unless told). */
    const dev = (n: number, accountNo = 1): DeviceRef => ({ accountId: account(accountNo), deviceId: device(n) });
    /** A registration on edge 1 of account 1, connected now, with the default TTL. */
    const reg = (deviceNo: number, over: Partial<Registration> = {}): Registration => ({
      deviceId: device(deviceNo),
      accountId: account(1),
      deviceType: 'phone',
      ...edge(1),
      connectionId: `conn-${run}-${++seq}`,
      connectedAt: clock.now(),
      expiresAt: nowSeconds() + RECORD_TTL_SECONDS,
      ...over,
    });
    const takeLease = (n = 1, ttl = LEASE_TTL_SECONDS) => store.renewLease(edge(n).edgeId, edge(n).edgeUrl, ttl);

    beforeEach(async () => {
      clock = new ManualClock();
      run = randomUUID().slice(0, 8);
      store = await makeStore(clock);
    });
    afterEach(async () => {
      await store.close();
    });

    it('returns a registered device on lookup', async () => {
      await takeLease();
      const r = reg(1, { deviceName: 'Living room TV', deviceType: 'tv' });
      expect(await store.register([r])).toEqual([{ ...ref(r), outcome: 'registered' }]);
      expect(await store.lookup([ref(r)])).toEqual([r]);
    });

    it('answers a batch lookup with the live records only, leaving unknown ids out', async () => {
      await takeLease();
      const regs = [reg(1), reg(2), reg(3)];
      expect((await store.register(regs)).map((x) => x.outcome)).toEqual(['registered', 'registered', 'registered']);
      const found = await store.lookup([dev(1), dev(404), dev(3), dev(2)]);
      expect(sorted(found)).toEqual(sorted(regs));
    });

    it('never returns a record after its expiresAt', async () => {
      await takeLease(1, 3600);
      const r = reg(1, { expiresAt: nowSeconds() + 60 });
      await store.register([r]);
      clock.advance(59_000);
      expect(await store.lookup([ref(r)])).toEqual([r]);
      clock.advance(1_000);
      expect(await store.lookup([ref(r)])).toEqual([]);
      expect(await store.listByAccount(r.accountId)).toEqual([]);
    });

    it("hides an edge's records when its lease lapses, until it renews and registers again", async () => {
      expect((await takeLease()).renewed).toBe(false);
      const r = reg(1);
      const untouched = reg(2, { accountId: account(2) });
      await store.register([r, untouched]);
      clock.advance(20_000);
      const renewal = await takeLease();
      expect(renewal.renewed).toBe(true);
      expect(renewal.lease).toEqual({ ...edge(1), expiresAt: nowSeconds() + LEASE_TTL_SECONDS });
      expect(await store.lookup([ref(r)])).toEqual([r]);

      clock.advance((LEASE_TTL_SECONDS + 1) * 1000);
      expect(await store.lookup([ref(r)])).toEqual([]);
      expect(await store.listByAccount(r.accountId)).toEqual([]);

      // A lapsed lease taken again does not resurrect old routes (even of records nobody read
      // meanwhile, which a store may still hold): the edge must register its connections again.
      expect((await takeLease()).renewed).toBe(false);
      expect(await store.lookup([ref(r), ref(untouched)])).toEqual([]);
      expect(await store.register([r])).toEqual([{ ...ref(r), outcome: 'registered' }]);
      expect(await store.lookup([ref(r)])).toEqual([r]);
    });

    it('keeps other edges resolving when one edge lease lapses', async () => {
      await takeLease(1, 10);
      await takeLease(2, 60);
      const onEdge1 = reg(1);
      const onEdge2 = reg(2, edge(2));
      await store.register([onEdge1, onEdge2]);
      clock.advance(11_000);
      expect(await store.lookup([ref(onEdge1), ref(onEdge2)])).toEqual([onEdge2]);
    });

    it('hides records at once when the edge releases its lease', async () => {
      await takeLease(1);
      await takeLease(2);
      const onEdge1 = reg(1);
      const onEdge2 = reg(2, edge(2));
      await store.register([onEdge1, onEdge2]);
      await store.releaseLease(edge(1).edgeId);
      expect(await store.lookup([ref(onEdge1), ref(onEdge2)])).toEqual([onEdge2]);
      await expect(store.releaseLease(edge(1).edgeId)).resolves.toBeUndefined();
    });

    it('does not let a late register of an older connection overwrite a newer one', async () => {
      await takeLease(1);
      await takeLease(2);
      const older = reg(1);
      clock.advance(1_000);
      const newer = reg(1, edge(2));
      expect(await store.register([newer])).toEqual([{ ...ref(newer), outcome: 'registered' }]);
      expect(await store.register([older])).toEqual([{ ...ref(older), outcome: 'stale' }]);
      expect(await store.lookup([ref(newer)])).toEqual([newer]);
    });

    it('lets a newer connection replace an older one', async () => {
      await takeLease(1);
      await takeLease(2);
      const older = reg(1);
      await store.register([older]);
      clock.advance(1_000);
      const newer = reg(1, edge(2));
      expect(await store.register([newer])).toEqual([{ ...ref(newer), outcome: 'registered' }]);
      expect(await store.lookup([ref(newer)])).toEqual([newer]);
    });

    it('lets an older connection replace a record that is no longer live', async () => {
      await takeLease(1, 10);
      await takeLease(2, 3600);
      const older = reg(1, edge(2));
      clock.advance(1_000);
      const newerOnDeadEdge = reg(1);
      await store.register([newerOnDeadEdge]);
      clock.advance(11_000);
      expect(await store.register([older])).toEqual([{ ...ref(older), outcome: 'registered' }]);
      expect(await store.lookup([ref(older)])).toEqual([older]);
    });

    it('ignores a late deregister of a replaced connection', async () => {
      await takeLease();
      const older = reg(1);
      clock.advance(1_000);
      const newer = reg(1);
      await store.register([older]);
      await store.register([newer]);
      expect(await store.deregister([{ ...ref(older), connectionId: older.connectionId }])).toEqual([
        { ...ref(older), outcome: 'not_current' },
      ]);
      expect(await store.lookup([ref(newer)])).toEqual([newer]);
    });

    it('removes the record when its current connection deregisters', async () => {
      await takeLease();
      const r = reg(1);
      await store.register([r]);
      expect(
        await store.deregister([
          { ...ref(r), connectionId: r.connectionId },
          { ...dev(404), connectionId: 'conn-unknown' },
        ]),
      ).toEqual([
        { ...ref(r), outcome: 'deregistered' },
        { ...dev(404), outcome: 'not_current' },
      ]);
      expect(await store.lookup([ref(r)])).toEqual([]);
      expect(await store.listByAccount(r.accountId)).toEqual([]);
      expect(await store.deregister([{ ...ref(r), connectionId: r.connectionId }])).toEqual([{ ...ref(r), outcome: 'not_current' }]);
    });

    it("lists only the account's live records", async () => {
      await takeLease();
      const mine = [reg(1), reg(2)];
      const expiring = reg(3, { expiresAt: nowSeconds() + 5 });
      const gone = reg(4);
      const other = reg(5, { accountId: account(2) });
      await store.register([...mine, expiring, gone, other]);
      clock.advance(1_000);
      await store.deregister([{ ...ref(gone), connectionId: gone.connectionId }]);
      // Account 2's device 4 is another device: it joins account 2's list and leaves account 1's alone.
      const sameIdElsewhere = reg(4, { accountId: account(2) });
      await store.register([sameIdElsewhere]);
      clock.advance(5_000);
      expect(sorted(await store.listByAccount(account(1)))).toEqual(sorted(mine));
      expect(sorted(await store.listByAccount(account(2)))).toEqual(sorted([other, sameIdElsewhere]));
      expect(await store.listByAccount(account(3))).toEqual([]);
    });

    it("keeps two accounts' devices of the same id apart: each is its own record, found only with its account", async () => {
      await takeLease(1);
      await takeLease(2);
      const mine = reg(1);
      clock.advance(1_000);
      // Newer, on another edge, same device id: in another account it replaces nothing.
      const theirs = reg(1, { accountId: account(2), ...edge(2) });
      expect(await store.register([theirs])).toEqual([{ ...ref(theirs), outcome: 'registered' }]);
      expect(await store.register([mine])).toEqual([{ ...ref(mine), outcome: 'registered' }]);

      expect(await store.lookup([dev(1, 1)])).toEqual([mine]);
      expect(await store.lookup([dev(1, 2)])).toEqual([theirs]);
      expect(await store.lookup([dev(1, 3)])).toEqual([]);
      expect(sorted(await store.lookup([dev(1, 2), dev(1, 1), dev(1, 3)]))).toEqual(sorted([mine, theirs]));
      expect(await store.listByAccount(account(1))).toEqual([mine]);
      expect(await store.listByAccount(account(2))).toEqual([theirs]);
    });

    it("never lets one account's deregister or lease loss touch another account's device of the same id", async () => {
      await takeLease(1, 10);
      await takeLease(2, 3600);
      const mine = reg(1, edge(2));
      const theirs = reg(1, { accountId: account(2) });
      await store.register([mine, theirs]);

      // Account 2 deregistering with account 1's connection id (or its own) removes only its own record.
      expect(await store.deregister([{ ...ref(theirs), connectionId: mine.connectionId }])).toEqual([
        { ...ref(theirs), outcome: 'not_current' },
      ]);
      expect(await store.deregister([{ ...ref(theirs), connectionId: theirs.connectionId }])).toEqual([
        { ...ref(theirs), outcome: 'deregistered' },
      ]);
      expect(await store.lookup([ref(mine), ref(theirs)])).toEqual([mine]);

      // Account 2's device comes back on edge 1, whose lease then lapses: account 1's record stays.
      const again = reg(1, { accountId: account(2) });
      await store.register([again]);
      clock.advance(11_000);
      expect(await store.lookup([ref(mine), ref(again)])).toEqual([mine]);
      expect(await store.listByAccount(account(1))).toEqual([mine]);
    });

    it('treats registering the same connection again as idempotent', async () => {
      await takeLease();
      const r = reg(1);
      expect(await store.register([r])).toEqual([{ ...ref(r), outcome: 'registered' }]);
      expect(await store.register([r])).toEqual([{ ...ref(r), outcome: 'registered' }]);
      expect(await store.lookup([ref(r)])).toEqual([r]);
      expect(await store.listByAccount(r.accountId)).toEqual([r]);
    });

    it('reads the live leases of edges with their url and expiry, once each, leaving out unknown edges', async () => {
      await takeLease(1);
      await takeLease(2, 60);
      const leases = await store.readLeases([edge(1).edgeId, edge(404).edgeId, edge(2).edgeId, edge(1).edgeId]);
      expect(byEdge(leases)).toEqual([
        { ...edge(1), expiresAt: nowSeconds() + LEASE_TTL_SECONDS, epoch: expect.any(String) },
        { ...edge(2), expiresAt: nowSeconds() + 60, epoch: expect.any(String) },
      ]);
      expect(leases.every((l) => l.epoch.length > 0)).toBe(true);
      expect(await store.readLeases([edge(404).edgeId])).toEqual([]);
      expect(await store.readLeases([])).toEqual([]);
    });

    it('leaves a lease out from the moment it lapses, as lookups do, and gives it a new epoch when taken afresh', async () => {
      const { lease } = await takeLease(1, 10);
      const [first] = await store.readLeases([lease.edgeId]);
      const r = reg(1);
      await store.register([r]);

      clock.set(lease.expiresAt * 1000 - 1);
      expect(await store.readLeases([lease.edgeId])).toEqual([first]);
      expect(await store.lookup([ref(r)])).toEqual([r]);
      clock.set(lease.expiresAt * 1000);
      expect(await store.readLeases([lease.edgeId])).toEqual([]);
      expect(await store.lookup([ref(r)])).toEqual([]);

      expect((await takeLease(1)).renewed).toBe(false);
      const [afresh] = await store.readLeases([lease.edgeId]);
      expect(afresh).toEqual({ ...edge(1), expiresAt: nowSeconds() + LEASE_TTL_SECONDS, epoch: expect.any(String) });
      expect(afresh!.epoch).not.toBe(first!.epoch);
    });

    it('lets the same edge process re-take its lapsed lease under the old epoch, so its records resolve again at once', async () => {
      const { edgeId, edgeUrl } = edge(1);
      expect((await store.renewLease(edgeId, edgeUrl, 10, 'proc-a')).renewed).toBe(false);
      const [first] = await store.readLeases([edgeId]);
      const r = reg(1);
      await store.register([r]);
      clock.advance(11_000); // the renewals failed (a store outage): the lease lapsed
      expect(await store.lookup([ref(r)])).toEqual([]);

      // Still "not renewed" (the edge re-registers), but what it wrote before resolves meanwhile.
      expect((await store.renewLease(edgeId, edgeUrl, 10, 'proc-a')).renewed).toBe(false);
      expect(await store.readLeases([edgeId])).toEqual([{ ...edge(1), expiresAt: nowSeconds() + 10, epoch: first!.epoch }]);
      expect(await store.lookup([ref(r)])).toEqual([r]);
      // And a live lease renewed by the same process is renewed as ever.
      expect((await store.renewLease(edgeId, edgeUrl, 10, 'proc-a')).renewed).toBe(true);
    });

    it('gives a lapsed lease a new epoch when another edge process (or one that names none) takes it', async () => {
      const { edgeId, edgeUrl } = edge(1);
      await store.renewLease(edgeId, edgeUrl, 10, 'proc-a');
      const r = reg(1);
      await store.register([r]);
      const [first] = await store.readLeases([edgeId]);

      clock.advance(11_000);
      expect((await store.renewLease(edgeId, edgeUrl, 10, 'proc-b')).renewed).toBe(false); // restarted: lost its sockets
      const [second] = await store.readLeases([edgeId]);
      expect(second!.epoch).not.toBe(first!.epoch);
      expect(await store.lookup([ref(r)])).toEqual([]);

      clock.advance(11_000);
      expect((await store.renewLease(edgeId, edgeUrl, 10)).renewed).toBe(false);
      const [third] = await store.readLeases([edgeId]);
      expect([first!.epoch, second!.epoch]).not.toContain(third!.epoch);
      expect(await store.lookup([ref(r)])).toEqual([]);
    });

    it('keeps the epoch of a lease while it is renewed, with the new url and expiry', async () => {
      await takeLease(1);
      const [first] = await store.readLeases([edge(1).edgeId]);
      for (const edgeUrl of ['http://edge-1-moved.test:8081', edge(1).edgeUrl]) {
        clock.advance(20_000);
        expect((await store.renewLease(edge(1).edgeId, edgeUrl, LEASE_TTL_SECONDS)).renewed).toBe(true);
        expect(await store.readLeases([edge(1).edgeId])).toEqual([
          { edgeId: edge(1).edgeId, edgeUrl, expiresAt: nowSeconds() + LEASE_TTL_SECONDS, epoch: first!.epoch },
        ]);
      }
    });

    it('leaves out a released lease at once, and gives the lease a new epoch when the edge takes it again', async () => {
      await takeLease(1);
      await takeLease(2);
      const [first] = await store.readLeases([edge(1).edgeId]);
      await store.releaseLease(edge(1).edgeId);
      expect((await store.readLeases([edge(1).edgeId, edge(2).edgeId])).map((l) => l.edgeId)).toEqual([edge(2).edgeId]);
      expect((await takeLease(1)).renewed).toBe(false);
      const [again] = await store.readLeases([edge(1).edgeId]);
      expect(again!.epoch).not.toBe(first!.epoch);
    });

    it('returns register outcomes in request order, one per item', async () => {
      await takeLease();
      const newer = reg(2);
      await store.register([newer]);
      const batch = [reg(1), reg(2, { connectedAt: newer.connectedAt - 1 }), reg(3)];
      expect(await store.register(batch)).toEqual([
        { ...dev(1), outcome: 'registered' },
        { ...dev(2), outcome: 'stale' },
        { ...dev(3), outcome: 'registered' },
      ]);
    });
  });
}
