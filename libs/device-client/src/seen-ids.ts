import { DeviceClientError, toClientError } from './errors';
import { RecentIds } from './recent-ids';

/**
 * Where the client keeps the ids of messages the app already got, so that a restarted app is not
 * handed one again: anything with the `localStorage` surface. In browsers pass `localStorage`; in
 * React Native an AsyncStorage (promises are awaited); in Node a small file adapter (pushctl ships
 * one). The value under the key is the SDK's own JSON; do not edit it.
 */
export interface DedupeStorage {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): void | Promise<void>;
}

/** The kinds of messages that carry an id the app must see once, each remembered separately. */
export type MessageKind = 'push' | 'd2d' | 'broadcast';
const KINDS: readonly MessageKind[] = ['push', 'd2d', 'broadcast'];

/** `broadcast` came later (issue 14): optional, and written only when there is one, so older readers keep working. */
interface Persisted {
  v: 1;
  push: string[];
  d2d: string[];
  broadcast?: string[];
}

const rings = (capacity: number): Record<MessageKind, RecentIds> => ({
  push: new RecentIds(capacity),
  d2d: new RecentIds(capacity),
  broadcast: new RecentIds(capacity),
});

/**
 * De-duplication of pushes, device-to-device messages and broadcasts, across reconnects and (with a storage)
 * across restarts. An id is remembered in memory the moment it arrives, so a second copy arriving
 * while the app still handles the first is dropped; it is written to the storage once the app's
 * handlers ran, so an app that crashes mid-handler gets the message again rather than never.
 * Bounded: the last `capacity` ids of each kind (a ring; the oldest go first).
 */
export class SeenIds {
  private readonly arrived: Record<MessageKind, RecentIds>;
  private readonly handled: Record<MessageKind, RecentIds>;
  /** Handlers still running, by `kind:id`: a duplicate's ack waits for the first copy. */
  private readonly inProgress = new Map<string, Promise<void>>();
  private loading?: Promise<void>;
  private writing?: Promise<void>;
  private dirty = false;

  constructor(
    private readonly capacity: number,
    private readonly onError: (error: DeviceClientError) => void,
    private readonly storage?: DedupeStorage,
    private readonly key = 'pushwire.seen-ids',
  ) {
    this.arrived = rings(capacity);
    this.handled = rings(capacity);
  }

  /** Reads the storage once (later calls share the first read); never rejects, reports failures. */
  load(): Promise<void> {
    this.loading ??= this.read();
    return this.loading;
  }

  /** Records an arriving message; true if the app has not had it (then call `track` with its handling). */
  arrive(kind: MessageKind, id: string): boolean {
    return this.arrived[kind].add(id);
  }

  /** The app is handling the first copy of `id`; once `handling` settles the id is persisted. */
  track(kind: MessageKind, id: string, handling: Promise<void>): void {
    const key = `${kind}:${id}`;
    this.inProgress.set(key, handling);
    void handling.then(() => {
      this.inProgress.delete(key);
      this.handled[kind].add(id);
      this.persist();
    });
  }

  /** Resolves once the first copy of `id` was handled (at once if it already was). */
  firstCopyHandled(kind: MessageKind, id: string): Promise<void> {
    return this.inProgress.get(`${kind}:${id}`) ?? Promise.resolve();
  }

  /**
   * Resolves once the ids of every message whose handlers finished are in the storage (close()
   * waits for it). It does not wait for handlers still running: close() called from a handler
   * would wait for itself.
   */
  async flush(): Promise<void> {
    // A handler that just returned settles its tracking a few promise reactions later: let them run.
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (this.writing) await this.writing;
  }

  private async read(): Promise<void> {
    if (!this.storage || this.capacity <= 0) return;
    let text: string | null | undefined;
    try {
      text = await this.storage.getItem(this.key);
    } catch (e) {
      return this.onError(toClientError(e, 'dedupe_storage_failed', `reading the seen message ids (${this.key}) failed`));
    }
    if (text === null || text === undefined || text === '') return;
    let saved: Persisted;
    try {
      saved = JSON.parse(text) as Persisted;
      if (saved?.v !== 1 || !Array.isArray(saved.push) || !Array.isArray(saved.d2d)) throw new Error('not a version 1 record');
      if (saved.broadcast !== undefined && !Array.isArray(saved.broadcast)) throw new Error('broadcast is not a list');
    } catch (e) {
      // Starting empty beats not starting: the worst outcome is a repeat of recent messages.
      return this.onError(
        toClientError(e, 'dedupe_storage_failed', `the seen message ids under ${this.key} are unreadable; starting empty`),
      );
    }
    for (const kind of KINDS) {
      const fresh = this.handled[kind].values();
      for (const id of (saved[kind] ?? []).filter((x): x is string => typeof x === 'string').slice(-this.capacity)) {
        this.handled[kind].add(id);
        this.arrived[kind].add(id);
      }
      // Ids handled in this run before the read finished are the newest: keep them last.
      for (const id of fresh) this.handled[kind].add(id);
    }
  }

  /** One write at a time; ids handled while one is in flight go in the next. */
  private persist(): void {
    if (!this.storage || this.capacity <= 0) return;
    this.dirty = true;
    if (this.writing) return;
    this.writing = (async () => {
      while (this.dirty) {
        this.dirty = false;
        const broadcast = this.handled.broadcast.values();
        const value: Persisted = {
          v: 1,
          push: this.handled.push.values(),
          d2d: this.handled.d2d.values(),
          ...(broadcast.length ? { broadcast } : {}),
        };
        try {
          await this.storage!.setItem(this.key, JSON.stringify(value));
        } catch (e) {
          this.onError(toClientError(e, 'dedupe_storage_failed', `writing the seen message ids (${this.key}) failed`));
        }
      }
    })().finally(() => {
      this.writing = undefined;
    });
  }
}

/** Validates the storage option: it must have getItem and setItem. */
export function checkDedupeStorage(storage: unknown): DedupeStorage | undefined {
  if (storage === undefined) return undefined;
  const s = storage as Partial<DedupeStorage> | null;
  if (typeof s?.getItem !== 'function' || typeof s.setItem !== 'function') {
    throw new DeviceClientError('invalid_options', 'dedupeStorage must have getItem(key) and setItem(key, value), like localStorage');
  }
  return s as DedupeStorage;
}
