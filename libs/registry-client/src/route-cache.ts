import { deviceRefKey, type DeviceRef, type Registration } from '@pushwire/protocol';

interface Entry {
  registration: Registration;
  /** now() after which the entry is not used any more. */
  validUntil: number;
}

/**
 * How a RouteCache keeps the routes it serves fresh (stale-while-revalidate): a `get` of a route
 * within `aheadMs` of its end starts a background lookup for it and still answers with the known
 * route, so a device that is sent to steadily never waits for a lookup of a route that was known.
 * The routes that came due in one event-loop turn are looked up in one call (routes cached together
 * come due together: one lookup for all, not one each).
 */
export interface RouteRefresh {
  /** How long before a route's end (its TTL, or the record's own expiresAt if sooner) a `get` refreshes it. */
  aheadMs: number;
  /** The registry's current records of the devices; a device without one is not registered any more. */
  lookup(devices: DeviceRef[]): Promise<Registration[]>;
  /** Told of a failed refresh (the route is kept until its end; a later `get` tries again). */
  onError?(err: unknown): void;
}

/**
 * Device (account and device id) → Registration, reused for a short TTL so that a burst of sends to
 * one device costs one registry lookup (the push client's direct sends, the edge's device-to-device
 * relay). Entries are keyed by the pair, so a route of one account's device never answers for
 * another account's device of the same id. Fencing keeps a stale entry harmless: the edge answers
 * `gone` and the entry is dropped. Map insertion order makes the first key the oldest, which is what
 * gets evicted at the cap. With a `refresh`, routes in use are looked up again in the background
 * before they end (RouteRefresh), at most one lookup per device at a time.
 */
export class RouteCache {
  private readonly entries = new Map<string, Entry>();
  /** Background refreshes under way (or due this turn), by key → the batch; one whose key was set or invalidated since is void. */
  private readonly refreshing = new Map<string, object>();
  /** Devices whose refresh is due at the end of this turn, by key. */
  private due = new Map<string, DeviceRef>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
    private readonly refresh?: RouteRefresh,
  ) {}

  get(device: DeviceRef): Registration | undefined {
    const key = deviceRefKey(device);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = this.now();
    // A record past its own expiresAt is dead even if our TTL has not run out.
    const endsAt = Math.min(entry.validUntil, entry.registration.expiresAt * 1000);
    if (now >= endsAt) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.refresh && now >= endsAt - this.refresh.aheadMs && !this.refreshing.has(key)) this.startRefresh(key, device);
    return entry.registration;
  }

  set(registration: Registration): void {
    if (this.ttlMs === 0) return;
    const key = deviceRefKey(registration);
    this.refreshing.delete(key); // a refresh started before this answer may bring an older record
    this.entries.delete(key); // re-insert at the end: it is now the newest
    this.entries.set(key, { registration, validUntil: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /**
   * Drops the route, but only if it still points at `connectionId`: a concurrent lookup may already
   * have stored the device's newer connection, which must survive the old one's `gone`.
   */
  invalidate(device: DeviceRef, connectionId: string): void {
    const key = deviceRefKey(device);
    if (this.entries.get(key)?.registration.connectionId === connectionId) {
      this.entries.delete(key);
      this.refreshing.delete(key); // what it brings may be the record that just went stale
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Background refreshes under way. */
  get refreshes(): number {
    return this.refreshing.size;
  }

  private startRefresh(key: string, device: DeviceRef): void {
    if (this.due.size === 0) setImmediate(() => this.refreshDue());
    this.due.set(key, device);
    this.refreshing.set(key, DUE);
  }

  /** Looks up every route that came due this turn in one call, and applies what is still wanted. */
  private refreshDue(): void {
    const refresh = this.refresh!;
    const batch = {};
    const keys: string[] = [];
    const devices: DeviceRef[] = [];
    for (const [key, device] of this.due) {
      if (this.refreshing.get(key) !== DUE) continue; // set or invalidated since it came due
      this.refreshing.set(key, batch);
      keys.push(key);
      devices.push(device);
    }
    this.due = new Map();
    if (devices.length === 0) return;
    const current = (key: string) => this.refreshing.get(key) === batch;
    Promise.resolve()
      .then(() => refresh.lookup(devices))
      .then(
        (registrations) => {
          const found = new Map(registrations.map((r) => [deviceRefKey(r), r]));
          for (const key of keys) {
            if (!current(key)) continue;
            this.refreshing.delete(key);
            const registration = found.get(key);
            if (registration) this.set(registration);
            else this.entries.delete(key); // not registered any more: the next send looks it up and finds nothing
          }
        },
        (err: unknown) => {
          for (const key of keys) if (current(key)) this.refreshing.delete(key);
          refresh.onError?.(err);
        },
      );
  }
}

/** The mark of a refresh that is due but not started yet. */
const DUE = {};
