import { DeviceClientError } from './errors';
import { SeenIds, type DedupeStorage, type MessageKind } from './seen-ids';

/** A localStorage stand-in: a Map, optionally async, optionally failing. */
function memoryStorage(opts: { async?: boolean; failWrites?: boolean } = {}) {
  const data = new Map<string, string>();
  const storage: DedupeStorage = {
    getItem: (key) => (opts.async ? Promise.resolve(data.get(key) ?? null) : (data.get(key) ?? null)),
    setItem: (key, value) => {
      if (opts.failWrites) throw new Error('quota exceeded');
      data.set(key, value);
      return opts.async ? Promise.resolve() : undefined;
    },
  };
  return { storage, data };
}

const handledNow = (seen: SeenIds, kind: MessageKind, id: string) => {
  if (seen.arrive(kind, id)) seen.track(kind, id, Promise.resolve());
};

describe('SeenIds', () => {
  it.each([false, true])('remembers handled push and d2d ids across a restart (async storage: %s)', async (async) => {
    const { storage } = memoryStorage({ async });
    const errors: DeviceClientError[] = [];
    const first = new SeenIds(10, (e) => errors.push(e), storage);
    await first.load();
    handledNow(first, 'push', 'p1');
    handledNow(first, 'd2d', 'd1');
    await first.flush();

    const second = new SeenIds(10, (e) => errors.push(e), storage);
    await second.load();
    expect(second.arrive('push', 'p1')).toBe(false);
    expect(second.arrive('d2d', 'd1')).toBe(false);
    expect(second.arrive('push', 'd1')).toBe(true); // kinds are apart
    expect(errors).toEqual([]);
  });

  it('remembers broadcast ids too, and reads a record written before broadcasts existed', async () => {
    const { storage, data } = memoryStorage();
    data.set('pushwire.seen-ids', JSON.stringify({ v: 1, push: ['p1'], d2d: [] }));
    const first = new SeenIds(10, () => undefined, storage);
    await first.load();
    expect(first.arrive('push', 'p1')).toBe(false);
    handledNow(first, 'broadcast', 'b1');
    await first.flush();
    expect(JSON.parse(data.get('pushwire.seen-ids')!)).toEqual({ v: 1, push: ['p1'], d2d: [], broadcast: ['b1'] });
    const second = new SeenIds(10, () => undefined, storage);
    await second.load();
    expect(second.arrive('broadcast', 'b1')).toBe(false);
    expect(second.arrive('push', 'b1')).toBe(true);
  });

  it('stores an id only once its handling settled, so a crash mid-handler brings the message back', async () => {
    const { storage, data } = memoryStorage();
    const seen = new SeenIds(10, () => undefined, storage);
    let finish!: () => void;
    expect(seen.arrive('push', 'p1')).toBe(true);
    seen.track('push', 'p1', new Promise<void>((r) => (finish = r)));
    expect(seen.arrive('push', 'p1')).toBe(false); // a second copy during handling is dropped
    expect(data.size).toBe(0);
    finish();
    await seen.firstCopyHandled('push', 'p1');
    await seen.flush();
    expect(JSON.parse(data.get('pushwire.seen-ids')!)).toEqual({ v: 1, push: ['p1'], d2d: [] });
  });

  it('is bounded: only the last N ids of each kind are kept', async () => {
    const { storage, data } = memoryStorage();
    const seen = new SeenIds(3, () => undefined, storage, 'k');
    for (const id of ['a', 'b', 'c', 'd', 'e']) handledNow(seen, 'push', id);
    await seen.flush();
    expect(JSON.parse(data.get('k')!).push).toEqual(['c', 'd', 'e']);
    const restarted = new SeenIds(3, () => undefined, storage, 'k');
    await restarted.load();
    expect(['c', 'd', 'e', 'a'].map((id) => restarted.arrive('push', id))).toEqual([false, false, false, true]);
  });

  it('reports an unreadable record or a failing storage and goes on in memory', async () => {
    const errors: DeviceClientError[] = [];
    const { storage, data } = memoryStorage();
    data.set('pushwire.seen-ids', '{not json');
    const seen = new SeenIds(10, (e) => errors.push(e), storage);
    await seen.load();
    expect(seen.arrive('push', 'x')).toBe(true);
    const failing = new SeenIds(10, (e) => errors.push(e), memoryStorage({ failWrites: true }).storage);
    handledNow(failing, 'push', 'y');
    await failing.flush();
    expect(failing.arrive('push', 'y')).toBe(false);
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['dedupe_storage_failed', expect.stringContaining('unreadable; starting empty')],
      ['dedupe_storage_failed', expect.stringContaining('quota exceeded')],
    ]);
  });
});
