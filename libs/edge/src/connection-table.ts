import type { Connection } from './connection';

/**
 * The edge's local registry: device id → its connection, account id → its connections. A device has
 * at most one connection here; `add` returns the one it replaced so the caller can close it (4001).
 * Accounts with one device (the common case) store the connection itself, not a one-element array.
 */
export class ConnectionTable {
  private readonly byDevice = new Map<string, Connection>();
  private readonly byAccount = new Map<string, Connection | Connection[]>();

  get size(): number {
    return this.byDevice.size;
  }

  get(deviceId: string): Connection | undefined {
    return this.byDevice.get(deviceId);
  }

  values(): IterableIterator<Connection> {
    return this.byDevice.values();
  }

  /** Adds `c` as its device's connection; returns the connection it replaced, if any. */
  add(c: Connection): Connection | undefined {
    const previous = this.byDevice.get(c.deviceId);
    if (previous) this.removeFromAccount(previous);
    this.byDevice.set(c.deviceId, c);
    const existing = this.byAccount.get(c.accountId);
    if (existing === undefined) this.byAccount.set(c.accountId, c);
    else if (Array.isArray(existing)) existing.push(c);
    else this.byAccount.set(c.accountId, [existing, c]);
    return previous;
  }

  /** Removes `c` only if it is still its device's current connection (a replaced one is already gone). */
  remove(c: Connection): boolean {
    if (this.byDevice.get(c.deviceId) !== c) return false;
    this.byDevice.delete(c.deviceId);
    this.removeFromAccount(c);
    return true;
  }

  /** The account's connections on this edge. */
  ofAccount(accountId: string): readonly Connection[] {
    const entry = this.byAccount.get(accountId);
    if (entry === undefined) return [];
    return Array.isArray(entry) ? entry : [entry];
  }

  private removeFromAccount(c: Connection): void {
    const entry = this.byAccount.get(c.accountId);
    if (entry === c) {
      this.byAccount.delete(c.accountId);
    } else if (Array.isArray(entry)) {
      const i = entry.indexOf(c);
      if (i >= 0) entry.splice(i, 1);
      if (entry.length === 1) this.byAccount.set(c.accountId, entry[0]!);
      else if (entry.length === 0) this.byAccount.delete(c.accountId);
    }
  }
}
