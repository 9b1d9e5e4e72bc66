import { randomUUID } from 'node:crypto';
import type { LeaseStatus, Registration } from '@pushwire/protocol';
import type { RegistryStore } from '../registry-store';
import { ManualClock } from './manual-clock';

const byDevice = (a: Registration, b: Registration) => a.deviceId.localeCompare(b.deviceId);
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
      expect(await store.register([r])).toEqual([{ deviceId: r.deviceId, outcome: 'registered' }]);
      expect(await store.lookup([r.deviceId])).toEqual([r]);
    });

    it('answers a batch lookup with the live records only, leaving unknown ids out', async () => {
      await takeLease();
      const regs = [reg(1), reg(2), reg(3)];
      expect((await store.register(regs)).map((x) => x.outcome)).toEqual(['registered', 'registered', 'registered']);
      const found = await store.lookup([device(1), device(404), device(3), device(2)]);
      expect(sorted(found)).toEqual(sorted(regs));
    });

    it('never returns a record after its expiresAt', async () => {
      await takeLease(1, 3600);
      const r = reg(1, { expiresAt: nowSeconds() + 60 });
      await store.register([r]);
      clock.advance(59_000);
      expect(await store.lookup([r.deviceId])).toEqual([r]);
      clock.advance(1_000);
      expect(await store.lookup([r.deviceId])).toEqual([]);
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
      expect(await store.lookup([r.deviceId])).toEqual([r]);

      clock.advance((LEASE_TTL_SECONDS + 1) * 1000);
      expect(await store.lookup([r.deviceId])).toEqual([]);
      expect(await store.listByAccount(r.accountId)).toEqual([]);

      // A lapsed lease taken again does not resurrect old routes (even of records nobody read
      // meanwhile, which a store may still hold): the edge must register its connections again.
      expect((await takeLease()).renewed).toBe(false);
      expect(await store.lookup([r.deviceId, untouched.deviceId])).toEqual([]);
      expect(await store.register([r])).toEqual([{ deviceId: r.deviceId, outcome: 'registered' }]);
      expect(await store.lookup([r.deviceId])).toEqual([r]);
    });

    it('keeps other edges resolving when one edge lease lapses', async () => {
      await takeLease(1, 10);
      await takeLease(2, 60);
      const onEdge1 = reg(1);
      const onEdge2 = reg(2, edge(2));
      await store.register([onEdge1, onEdge2]);
      clock.advance(11_000);
      expect(await store.lookup([onEdge1.deviceId, onEdge2.deviceId])).toEqual([onEdge2]);
    });

    it('hides records at once when the edge releases its lease', async () => {
      await takeLease(1);
      await takeLease(2);
      const onEdge1 = reg(1);
      const onEdge2 = reg(2, edge(2));
      await store.register([onEdge1, onEdge2]);
      await store.releaseLease(edge(1).edgeId);
      expect(await store.lookup([onEdge1.deviceId, onEdge2.deviceId])).toEqual([onEdge2]);
      await expect(store.releaseLease(edge(1).edgeId)).resolves.toBeUndefined();
    });

    it('does not let a late register of an older connection overwrite a newer one', async () => {
      await takeLease(1);
      await takeLease(2);
      const older = reg(1);
      clock.advance(1_000);
      const newer = reg(1, edge(2));
      expect(await store.register([newer])).toEqual([{ deviceId: newer.deviceId, outcome: 'registered' }]);
      expect(await store.register([older])).toEqual([{ deviceId: older.deviceId, outcome: 'stale' }]);
      expect(await store.lookup([newer.deviceId])).toEqual([newer]);
    });

    it('lets a newer connection replace an older one', async () => {
      await takeLease(1);
      await takeLease(2);
      const older = reg(1);
      await store.register([older]);
      clock.advance(1_000);
      const newer = reg(1, edge(2));
      expect(await store.register([newer])).toEqual([{ deviceId: newer.deviceId, outcome: 'registered' }]);
      expect(await store.lookup([newer.deviceId])).toEqual([newer]);
    });

    it('lets an older connection replace a record that is no longer live', async () => {
      await takeLease(1, 10);
      await takeLease(2, 3600);
      const older = reg(1, edge(2));
      clock.advance(1_000);
      const newerOnDeadEdge = reg(1);
      await store.register([newerOnDeadEdge]);
      clock.advance(11_000);
      expect(await store.register([older])).toEqual([{ deviceId: older.deviceId, outcome: 'registered' }]);
      expect(await store.lookup([older.deviceId])).toEqual([older]);
    });

    it('ignores a late deregister of a replaced connection', async () => {
      await takeLease();
      const older = reg(1);
      clock.advance(1_000);
      const newer = reg(1);
      await store.register([older]);
      await store.register([newer]);
      expect(await store.deregister([{ deviceId: older.deviceId, connectionId: older.connectionId }])).toEqual([
        { deviceId: older.deviceId, outcome: 'not_current' },
      ]);
      expect(await store.lookup([newer.deviceId])).toEqual([newer]);
    });

    it('removes the record when its current connection deregisters', async () => {
      await takeLease();
      const r = reg(1);
      await store.register([r]);
      expect(
        await store.deregister([
          { deviceId: r.deviceId, connectionId: r.connectionId },
          { deviceId: device(404), connectionId: 'conn-unknown' },
        ]),
      ).toEqual([
        { deviceId: r.deviceId, outcome: 'deregistered' },
        { deviceId: device(404), outcome: 'not_current' },
      ]);
      expect(await store.lookup([r.deviceId])).toEqual([]);
      expect(await store.listByAccount(r.accountId)).toEqual([]);
      expect(await store.deregister([{ deviceId: r.deviceId, connectionId: r.connectionId }])).toEqual([
        { deviceId: r.deviceId, outcome: 'not_current' },
      ]);
    });

    it("lists only the account's live records", async () => {
      await takeLease();
      const mine = [reg(1), reg(2)];
      const expiring = reg(3, { expiresAt: nowSeconds() + 5 });
      const movedAway = reg(4);
      const other = reg(5, { accountId: account(2) });
      await store.register([...mine, expiring, movedAway, other]);
      clock.advance(1_000);
      // The device now connects under another account: it leaves account 1's list.
      const moved = reg(4, { accountId: account(2) });
      await store.register([moved]);
      clock.advance(5_000);
      expect(sorted(await store.listByAccount(account(1)))).toEqual(sorted(mine));
      expect(sorted(await store.listByAccount(account(2)))).toEqual(sorted([other, moved]));
      expect(await store.listByAccount(account(3))).toEqual([]);
    });

    it('treats registering the same connection again as idempotent', async () => {
      await takeLease();
      const r = reg(1);
      expect(await store.register([r])).toEqual([{ deviceId: r.deviceId, outcome: 'registered' }]);
      expect(await store.register([r])).toEqual([{ deviceId: r.deviceId, outcome: 'registered' }]);
      expect(await store.lookup([r.deviceId])).toEqual([r]);
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
      expect(await store.lookup([r.deviceId])).toEqual([r]);
      clock.set(lease.expiresAt * 1000);
      expect(await store.readLeases([lease.edgeId])).toEqual([]);
      expect(await store.lookup([r.deviceId])).toEqual([]);

      expect((await takeLease(1)).renewed).toBe(false);
      const [afresh] = await store.readLeases([lease.edgeId]);
      expect(afresh).toEqual({ ...edge(1), expiresAt: nowSeconds() + LEASE_TTL_SECONDS, epoch: expect.any(String) });
      expect(afresh!.epoch).not.toBe(first!.epoch);
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
        { deviceId: device(1), outcome: 'registered' },
        { deviceId: device(2), outcome: 'stale' },
        { deviceId: device(3), outcome: 'registered' },
      ]);
    });
  });
}
