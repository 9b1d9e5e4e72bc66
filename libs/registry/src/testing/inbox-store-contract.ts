import { randomUUID } from 'node:crypto';
import { MAX_INBOX_READ, type DeviceRef, type InboxEntry } from '@pushwire/protocol';
import { StoreUnavailableError } from '@pushwire/service-kit';
import type { InboxStore, InboxStoreOptions } from '../inbox/inbox-store';
import { ManualClock } from './manual-clock';

/** What sets a contract entry apart: its id, when it was stored, how long it lives, its collapse key, payload and device. */
interface EntryOptions {
  readonly id?: string;
  readonly storedAt?: number;
  readonly ttlMs?: number;
  readonly collapseKey?: string;
  readonly payload?: unknown;
}

const ids = (entries: readonly InboxEntry[]) => entries.map((e) => e.message.id);

/**
 * The behaviour every InboxStore must show, as a jest suite. It uses only the interface and the
 * injected clock, and ids unique per test, so it runs unchanged against the memory store and
 * against DynamoDB Local.
 *
 * @param makeStore builds a fresh, empty store (takeExpired sees every device of it) reading time
 *   from `clock.now`, with the given bounds (defaults otherwise); the suite closes it.
 */
export function describeInboxStoreContract(
  name: string,
  makeStore: (clock: ManualClock, bounds: Pick<InboxStoreOptions, 'maxMessages' | 'maxBytes'>) => Promise<InboxStore>,
): void {
  describe(`InboxStore contract: ${name}`, () => {
    const TTL_MS = 600_000;
    let clock: ManualClock;
    let run: string;
    let seq = 0;
    const opened: InboxStore[] = [];
    const open = async (bounds: Pick<InboxStoreOptions, 'maxMessages' | 'maxBytes'> = {}) => {
      const store = await makeStore(clock, bounds);
      opened.push(store);
      return store;
    };

    /** Device `n` of account `accountNo` (1 unless told). */
    const dev = (n: number, accountNo = 1): DeviceRef => ({ accountId: `acct-${run}-${accountNo}`, deviceId: `dev-${run}-${n}` });
    /** A queued message for `device`, enqueued and stored now, living TTL_MS unless told. */
    const entry = (device: DeviceRef, o: EntryOptions = {}): InboxEntry => {
      const now = clock.now();
      const ttlMs = o.ttlMs ?? TTL_MS;
      return {
        target: { ...device },
        message: {
          id: o.id ?? `msg-${run}-${++seq}`,
          payload: o.payload ?? { n: seq },
          ttlSeconds: Math.ceil(ttlMs / 1000),
          createdAt: now,
        },
        enqueuedAt: now,
        expiresAt: now + ttlMs,
        storedAt: o.storedAt ?? now,
        source: 'queued',
        ...(o.collapseKey ? { collapseKey: o.collapseKey } : {}),
        attempts: 1,
      };
    };
    const removeItem = (e: InboxEntry) => ({ ...e.target, messageId: e.message.id });

    beforeEach(() => {
      clock = new ManualClock();
      run = randomUUID().slice(0, 8);
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it("keeps each device's entries oldest storedAt first, ties in the order they were stored, and leaves out devices with none", async () => {
      const store = await open();
      const t = clock.now();
      const later = entry(dev(1), { storedAt: t + 2 });
      const firstTie = entry(dev(1), { storedAt: t + 1 });
      const secondTie = entry(dev(1), { storedAt: t + 1 });
      const other = entry(dev(2));
      expect((await store.store([later, firstTie])).map((r) => r.outcome)).toEqual(['stored', 'stored']);
      expect(await store.store([secondTie, other])).toEqual([
        { messageId: secondTie.message.id, outcome: 'stored' },
        { messageId: other.message.id, outcome: 'stored' },
      ]);
      const inboxes = await store.pending([dev(3), dev(1), dev(2), dev(1)]);
      expect([...inboxes].sort((a, b) => a.deviceId.localeCompare(b.deviceId))).toEqual([
        { ...dev(1), entries: [firstTie, secondTie, later], more: false },
        { ...dev(2), entries: [other], more: false },
      ]);
    });

    it('answers `more` when a device holds more than one read returns, and the rest once those are removed', async () => {
      const store = await open();
      const t = clock.now();
      const all = Array.from({ length: MAX_INBOX_READ + 5 }, (_, i) => entry(dev(1), { storedAt: t + i }));
      await store.store(all);
      const [first] = await store.pending([dev(1)]);
      expect(first).toEqual({ ...dev(1), entries: all.slice(0, MAX_INBOX_READ), more: true });
      await store.remove(all.slice(0, MAX_INBOX_READ).map(removeItem));
      expect(await store.pending([dev(1)])).toEqual([{ ...dev(1), entries: all.slice(MAX_INBOX_READ), more: false }]);
    });

    it('replaces a pending entry with the same collapse key, answering the one it replaced, which never comes back', async () => {
      const store = await open();
      const score1 = entry(dev(1), { collapseKey: 'score' });
      const news = entry(dev(1), { collapseKey: 'news' });
      const plain = entry(dev(1));
      await store.store([score1, news, plain]);
      clock.advance(1);
      const score2 = entry(dev(1), { collapseKey: 'score' });
      expect(await store.store([score2])).toEqual([{ messageId: score2.message.id, outcome: 'stored', replaced: score1 }]);
      expect(await store.pending([dev(1)])).toEqual([{ ...dev(1), entries: [news, plain, score2], more: false }]);
      expect(await store.store([score1])).toEqual([{ messageId: score1.message.id, outcome: 'duplicate' }]);
      expect(await store.remove([removeItem(score1)])).toEqual([removeItem(score1)]);
    });

    it('refuses an entry past the count bound (`overflow`) and takes one again when there is room or it replaces one', async () => {
      const store = await open({ maxMessages: 3 });
      const [a, b, c, d] = [entry(dev(1)), entry(dev(1), { collapseKey: 'k' }), entry(dev(1)), entry(dev(1))];
      expect((await store.store([a!, b!, c!, d!])).map((r) => r.outcome)).toEqual(['stored', 'stored', 'stored', 'overflow']);
      expect(ids((await store.pending([dev(1)]))[0]!.entries)).toEqual(ids([a!, b!, c!]));
      const k2 = entry(dev(1), { collapseKey: 'k' });
      expect(await store.store([k2])).toEqual([{ messageId: k2.message.id, outcome: 'stored', replaced: b }]);
      await store.remove([removeItem(a!)]);
      expect((await store.store([d!])).map((r) => r.outcome)).toEqual(['stored']);
      // Another device's inbox has its own bound.
      expect((await store.store([entry(dev(2))])).map((r) => r.outcome)).toEqual(['stored']);
    });

    it('refuses an entry past the byte bound (`overflow`), counting payload JSON', async () => {
      const store = await open({ maxBytes: 100 });
      const forty = 'x'.repeat(38); // JSON "xxx…" = 40 bytes
      const [a, b, c] = [entry(dev(1), { payload: forty }), entry(dev(1), { payload: forty }), entry(dev(1), { payload: forty })];
      expect((await store.store([a!, b!, c!])).map((r) => r.outcome)).toEqual(['stored', 'stored', 'overflow']);
      const small = entry(dev(1), { payload: 'y'.repeat(18) });
      const huge = entry(dev(2), { payload: 'z'.repeat(200) });
      expect((await store.store([small, huge])).map((r) => r.outcome)).toEqual(['stored', 'overflow']);
      expect(ids((await store.pending([dev(1)]))[0]!.entries)).toEqual(ids([a!, b!, small]));
      expect(await store.pending([dev(2)])).toEqual([]);
    });

    it('never stores an entry whose TTL has ended, and stops returning one once it ends, without counting it against the bound', async () => {
      const store = await open({ maxMessages: 2 });
      const dead = entry(dev(1), { ttlMs: 0 });
      expect(await store.store([dead])).toEqual([{ messageId: dead.message.id, outcome: 'expired' }]);
      const short = entry(dev(1), { ttlMs: 1_000 });
      const long = entry(dev(1));
      await store.store([short, long]);
      clock.set(short.expiresAt - 1);
      expect(ids((await store.pending([dev(1)]))[0]!.entries)).toEqual(ids([short, long]));
      clock.set(short.expiresAt);
      expect(ids((await store.pending([dev(1)]))[0]!.entries)).toEqual(ids([long]));
      const next = entry(dev(1));
      expect((await store.store([next])).map((r) => r.outcome)).toEqual(['stored']);
      // It stays, out of sight, until the expiry sweep takes it for its `expired` outcome.
      expect(await store.takeExpired(10)).toEqual([short]);
    });

    it('answers `duplicate` for a message id pending or already taken, in the same batch too, and nothing changes', async () => {
      const store = await open();
      const a = entry(dev(1));
      const again = { ...a, storedAt: a.storedAt + 5 };
      expect((await store.store([a, again])).map((r) => r.outcome)).toEqual(['stored', 'duplicate']);
      expect((await store.store([a])).map((r) => r.outcome)).toEqual(['duplicate']);
      await store.remove([removeItem(a)]);
      expect((await store.store([a])).map((r) => r.outcome)).toEqual(['duplicate']);

      const b = entry(dev(1), { ttlMs: 1_000 });
      await store.store([b]);
      clock.advance(1_000);
      expect(await store.takeExpired(10)).toEqual([b]);
      // Replayed with a fresh TTL, a message that had its final outcome (expired) is still a duplicate.
      expect((await store.store([{ ...b, expiresAt: clock.now() + TTL_MS }])).map((r) => r.outcome)).toEqual(['duplicate']);
      expect(await store.pending([dev(1)])).toEqual([]);
      // The same message id to another device (a fan-out) is that device's own message.
      expect((await store.store([{ ...a, target: dev(2) }])).map((r) => r.outcome)).toEqual(['stored']);
    });

    it('answers `duplicate` for a taken message replayed into a full inbox or after its TTL: never a second outcome', async () => {
      const store = await open({ maxMessages: 1 });
      const a = entry(dev(1), { ttlMs: 5_000 });
      await store.store([a]);
      await store.remove([removeItem(a)]);
      await store.store([entry(dev(1))]);
      expect((await store.store([a])).map((r) => r.outcome)).toEqual(['duplicate']);
      clock.advance(5_000);
      expect((await store.store([a])).map((r) => r.outcome)).toEqual(['duplicate']);
    });

    it('takes an entry out once: the first remove gets it, a second one and unknown ids get no entry', async () => {
      const store = await open();
      const [a, b] = [entry(dev(1)), entry(dev(1))];
      await store.store([a, b]);
      const unknown = { ...dev(1), messageId: `msg-${run}-unknown` };
      expect(await store.remove([removeItem(a), unknown, { ...dev(9), messageId: b.message.id }])).toEqual([
        { ...removeItem(a), entry: a },
        unknown,
        { ...dev(9), messageId: b.message.id },
      ]);
      expect(await store.remove([removeItem(a)])).toEqual([removeItem(a)]);
      expect(await store.pending([dev(1)])).toEqual([{ ...dev(1), entries: [b], more: false }]);
    });

    it('gives an entry to exactly one of several concurrent removes', async () => {
      const store = await open();
      const a = entry(dev(1));
      await store.store([a]);
      const results = (await Promise.all(Array.from({ length: 6 }, () => store.remove([removeItem(a)])))).flat();
      expect(results.filter((r) => r.entry !== undefined)).toEqual([{ ...removeItem(a), entry: a }]);
      expect(results).toHaveLength(6);
    });

    it('takes each expired entry once, however many sweeps race, up to the limit, and never a live one', async () => {
      const store = await open();
      const expiring = Array.from({ length: 5 }, (_, i) => entry(dev(i % 2), { ttlMs: 1_000 + i }));
      const live = entry(dev(1));
      await store.store([...expiring, live]);
      expect(await store.takeExpired(10)).toEqual([]);
      clock.advance(1_000);
      expect(await store.takeExpired(1)).toEqual([expiring[0]]);
      clock.advance(10);
      const sweeps = await Promise.all([store.takeExpired(10), store.takeExpired(10), store.takeExpired(10)]);
      expect(ids(sweeps.flat()).sort()).toEqual(ids(expiring.slice(1)).sort());
      expect(await store.takeExpired(10)).toEqual([]);
      expect(await store.remove(expiring.map(removeItem))).toEqual(expiring.map(removeItem));
      expect(await store.pending([dev(1)])).toEqual([{ ...dev(1), entries: [live], more: false }]);
    });

    it("keeps two accounts' devices of the same id apart: entries, collapse keys, bounds and removes", async () => {
      const store = await open({ maxMessages: 1 });
      const mine = entry(dev(1, 1), { collapseKey: 'k' });
      const theirs = entry(dev(1, 2), { collapseKey: 'k' });
      expect(await store.store([mine, theirs])).toEqual([
        { messageId: mine.message.id, outcome: 'stored' },
        { messageId: theirs.message.id, outcome: 'stored' },
      ]);
      expect(await store.pending([dev(1, 1)])).toEqual([{ ...dev(1, 1), entries: [mine], more: false }]);
      expect(await store.pending([dev(1, 2)])).toEqual([{ ...dev(1, 2), entries: [theirs], more: false }]);
      expect(await store.remove([{ ...dev(1, 2), messageId: mine.message.id }])).toEqual([{ ...dev(1, 2), messageId: mine.message.id }]);
      expect(await store.pending([dev(1, 1)])).toEqual([{ ...dev(1, 1), entries: [mine], more: false }]);
    });

    it('rejects every call with StoreUnavailableError once closed, never with an empty answer', async () => {
      const store = await open();
      await store.close();
      const a = entry(dev(1));
      for (const call of [
        () => store.store([a]),
        () => store.pending([dev(1)]),
        () => store.remove([removeItem(a)]),
        () => store.takeExpired(10),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(StoreUnavailableError);
      }
    });
  });
}
