import type { Connection } from './connection';

/** Past this many devices on the edge, an account's connections are kept in a map by device id. */
const MAX_SCANNED_DEVICES = 8;

/** One account's connections here: one stored as itself, a few in an array, many in a map by device id. */
type AccountEntry = Connection | Connection[] | Map<string, Connection>;

/**
 * The edge's local registry: account id → its connections, each found by its device id within the
 * account. A device is the pair (account, device id): the table has no way to find a connection by
 * a device id alone, so a device id of one account never reaches another account's connection. A
 * device has at most one connection here; `add` returns the one it replaced so the caller can close
 * it (4001) — only ever a connection of the same account and device.
 *
 * Memory follows the common shapes: an account with one device here (the usual case) stores the
 * connection itself, one with a few an array scanned by device id (smaller than a map, and as fast
 * for a handful), and one with many a map, so finding a device stays O(1) however many it has.
 */
export class ConnectionTable {
  private readonly byAccount = new Map<string, AccountEntry>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The connection of device `deviceId` of account `accountId`, if it has one here. */
  get(accountId: string, deviceId: string): Connection | undefined {
    const entry = this.byAccount.get(accountId);
    if (entry === undefined) return undefined;
    if (entry instanceof Map) return entry.get(deviceId);
    if (Array.isArray(entry)) {
      // A loop, not find(): no closure per lookup on the delivery hot path.
      for (let i = 0; i < entry.length; i++) if (entry[i]!.deviceId === deviceId) return entry[i];
      return undefined;
    }
    return entry.deviceId === deviceId ? entry : undefined;
  }

  /**
   * Calls `visit` for every connection, without the generator `values()` resumes per connection:
   * the sweeper passes over every connection every second (19,000 on a bench edge). As with
   * values(), `visit` may close (remove) the connection it is given.
   */
  forEach(visit: (c: Connection) => void): void {
    for (const entry of this.byAccount.values()) {
      if (entry instanceof Map) entry.forEach(visit);
      else if (Array.isArray(entry)) for (let i = 0; i < entry.length; i++) visit(entry[i]!);
      else visit(entry);
    }
  }

  *values(): IterableIterator<Connection> {
    for (const entry of this.byAccount.values()) {
      if (entry instanceof Map) yield* entry.values();
      else if (Array.isArray(entry)) yield* entry;
      else yield entry;
    }
  }

  /** Adds `c` as its device's connection; returns the connection of the same account and device it replaced, if any. */
  add(c: Connection): Connection | undefined {
    const entry = this.byAccount.get(c.accountId);
    let previous: Connection | undefined;
    if (entry === undefined) {
      this.byAccount.set(c.accountId, c);
    } else if (entry instanceof Map) {
      previous = entry.get(c.deviceId);
      entry.set(c.deviceId, c);
    } else if (Array.isArray(entry)) {
      const i = entry.findIndex((other) => other.deviceId === c.deviceId);
      if (i >= 0) [previous] = entry.splice(i, 1, c);
      else if (entry.length < MAX_SCANNED_DEVICES) entry.push(c);
      else this.byAccount.set(c.accountId, new Map([...entry, c].map((other) => [other.deviceId, other])));
    } else if (entry.deviceId === c.deviceId) {
      previous = entry;
      this.byAccount.set(c.accountId, c);
    } else {
      this.byAccount.set(c.accountId, [entry, c]);
    }
    if (!previous) this.count++;
    return previous;
  }

  /** Removes `c` only if it is still its device's current connection (a replaced one is already gone). */
  remove(c: Connection): boolean {
    const entry = this.byAccount.get(c.accountId);
    if (entry === c) {
      this.byAccount.delete(c.accountId);
    } else if (entry instanceof Map) {
      if (entry.get(c.deviceId) !== c) return false;
      entry.delete(c.deviceId);
      if (entry.size === 1) this.byAccount.set(c.accountId, entry.values().next().value as Connection);
    } else if (Array.isArray(entry)) {
      const i = entry.indexOf(c);
      if (i < 0) return false;
      entry.splice(i, 1);
      // Back to the one-connection form, so an account that shrinks costs what a small one does.
      if (entry.length === 1) this.byAccount.set(c.accountId, entry[0]!);
    } else {
      return false;
    }
    this.count--;
    return true;
  }

  /** The account's connections on this edge. */
  ofAccount(accountId: string): readonly Connection[] {
    const entry = this.byAccount.get(accountId);
    if (entry === undefined) return [];
    if (entry instanceof Map) return [...entry.values()];
    return Array.isArray(entry) ? entry : [entry];
  }
}
