import { deviceRefKey, type DeviceRef, type Registration } from '@pushwire/protocol';

interface Entry {
  registration: Registration;
  /** now() after which the entry is not used any more. */
  validUntil: number;
}

/**
 * Device (account and device id) → Registration, reused for a short TTL so that a burst of sends to
 * one device costs one registry lookup (the push client's direct sends, the edge's device-to-device
 * relay). Entries are keyed by the pair, so a route of one account's device never answers for
 * another account's device of the same id. Fencing keeps a stale entry harmless: the edge answers
 * `gone` and the entry is dropped. Map insertion order makes the first key the oldest, which is what
 * gets evicted at the cap.
 */
export class RouteCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get(device: DeviceRef): Registration | undefined {
    const key = deviceRefKey(device);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = this.now();
    // A record past its own expiresAt is dead even if our TTL has not run out.
    if (now >= entry.validUntil || now >= entry.registration.expiresAt * 1000) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.registration;
  }

  set(registration: Registration): void {
    if (this.ttlMs === 0) return;
    const key = deviceRefKey(registration);
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
    if (this.entries.get(key)?.registration.connectionId === connectionId) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
