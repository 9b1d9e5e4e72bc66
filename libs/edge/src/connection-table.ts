import type { Connection } from './connection';

/**
 * The edge's local registry: account id → its connections, each found by its device id within the
 * account. A device is the pair (account, device id): the table has no way to find a connection by
 * a device id alone, so a device id of one account never reaches another account's connection. A
 * device has at most one connection here; `add` returns the one it replaced so the caller can close
 * it (4001) — only ever a connection of the same account and device.
 *
 * Accounts with one device here (the common case) store the connection itself; an account with
 * several keeps a map by device id, so finding one device stays O(1) however many the account has.
 */
export class ConnectionTable {
  private readonly byAccount = new Map<string, Connection | Map<string, Connection>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The connection of device `deviceId` of account `accountId`, if it has one here. */
  get(accountId: string, deviceId: string): Connection | undefined {
    const entry = this.byAccount.get(accountId);
    if (entry === undefined) return undefined;
    if (entry instanceof Map) return entry.get(deviceId);
    return entry.deviceId === deviceId ? entry : undefined;
  }

  *values(): IterableIterator<Connection> {
    for (const entry of this.byAccount.values()) {
      if (entry instanceof Map) yield* entry.values();
      else yield entry;
    }
  }

  /** Adds `c` as its device's connection; returns the connection of the same account and device it replaced, if any. */
  add(c: Connection): Connection | undefined {
    const entry = this.byAccount.get(c.accountId);
    if (entry === undefined) {
      this.byAccount.set(c.accountId, c);
      this.count++;
      return undefined;
    }
    if (entry instanceof Map) {
      const previous = entry.get(c.deviceId);
      entry.set(c.deviceId, c);
      if (!previous) this.count++;
      return previous;
    }
    if (entry.deviceId === c.deviceId) {
      this.byAccount.set(c.accountId, c);
      return entry;
    }
    this.byAccount.set(
      c.accountId,
      new Map([
        [entry.deviceId, entry],
        [c.deviceId, c],
      ]),
    );
    this.count++;
    return undefined;
  }

  /** Removes `c` only if it is still its device's current connection (a replaced one is already gone). */
  remove(c: Connection): boolean {
    const entry = this.byAccount.get(c.accountId);
    if (entry === c) {
      this.byAccount.delete(c.accountId);
      this.count--;
      return true;
    }
    if (!(entry instanceof Map) || entry.get(c.deviceId) !== c) return false;
    entry.delete(c.deviceId);
    this.count--;
    // Back to the one-connection form, so an account that shrinks costs what a small one does.
    if (entry.size === 1) this.byAccount.set(c.accountId, entry.values().next().value as Connection);
    return true;
  }

  /** The account's connections on this edge. */
  ofAccount(accountId: string): readonly Connection[] {
    const entry = this.byAccount.get(accountId);
    if (entry === undefined) return [];
    return entry instanceof Map ? [...entry.values()] : [entry];
  }
}
