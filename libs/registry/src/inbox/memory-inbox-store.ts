import {
  deviceRefKey,
  MAX_INBOX_READ,
  type DeviceInbox,
  type DeviceRef,
  type InboxEntry,
  type InboxRemoveItem,
  type InboxRemoveResult,
  type InboxStoreResult,
} from '@pushwire/protocol';
import { StoreUnavailableError } from '@pushwire/service-kit';
import type { Clock } from '../registry-store';
import { admit, inboxLimits, inboxOrder, isLive, payloadBytes, type HeldEntry, type InboxLimits } from './admission';
import type { InboxStore, InboxStoreOptions } from './inbox-store';
import { startSweep } from '../sweep-timer';

/** Options of MemoryInboxStore. */
export interface MemoryInboxStoreOptions extends InboxStoreOptions {
  /** How often tombstones past their time are dropped. Default 60 000 ms; 0 disables the sweep. */
  sweepIntervalMs?: number;
}

/** How long a tombstone outlives its message's expiresAt, as the DynamoDB store's TTL margin. */
export const TOMBSTONE_MARGIN_MS = 24 * 3600 * 1000;

interface DeviceState {
  /** In inbox order. */
  held: HeldEntry[];
  /** Message ids taken or replaced → until when their tombstone stands (epoch ms). */
  readonly tombstones: Map<string, number>;
}

/**
 * InboxStore in process memory, for the all-in-one and for tests. JavaScript runs one call at a
 * time, so "taken once" needs no more than deleting before answering. Entries are copied in and
 * out: the all-in-one's sender and edge never share an object through it.
 */
export class MemoryInboxStore implements InboxStore {
  /** deviceRefKey (account and device) → its inbox. */
  private readonly devices = new Map<string, DeviceState>();
  private readonly limits: InboxLimits;
  private readonly now: Clock;
  private readonly sweepTimer?: NodeJS.Timeout;
  private seq = 0;
  private closed = false;

  constructor(opts: MemoryInboxStoreOptions = {}) {
    this.limits = inboxLimits(opts);
    this.now = opts.now ?? Date.now;
    this.sweepTimer = startSweep(opts.sweepIntervalMs, () => this.sweep());
  }

  async store(entries: InboxEntry[]): Promise<InboxStoreResult[]> {
    this.assertOpen();
    const nowMs = this.now();
    return entries.map((entry) => {
      const messageId = entry.message.id;
      const state = this.state(entry.target, true);
      const bytes = payloadBytes(entry);
      const admission = admit(entry, bytes, state.held, state.tombstones.has(messageId), this.limits, nowMs);
      if (admission.outcome !== 'stored') return { messageId, outcome: admission.outcome };
      const { replaced } = admission;
      if (replaced) this.take(state, replaced);
      state.held.push({ entry: structuredClone(entry), seq: ++this.seq, bytes });
      state.held.sort(inboxOrder);
      return replaced ? { messageId, outcome: 'stored', replaced: structuredClone(replaced.entry) } : { messageId, outcome: 'stored' };
    });
  }

  async pending(devices: DeviceRef[]): Promise<DeviceInbox[]> {
    this.assertOpen();
    const nowMs = this.now();
    const inboxes: DeviceInbox[] = [];
    for (const device of new Map(devices.map((d) => [deviceRefKey(d), d])).values()) {
      const live = (this.state(device, false)?.held ?? []).filter((h) => isLive(h.entry, nowMs));
      if (live.length === 0) continue;
      inboxes.push({
        accountId: device.accountId,
        deviceId: device.deviceId,
        entries: live.slice(0, MAX_INBOX_READ).map((h) => structuredClone(h.entry)),
        more: live.length > MAX_INBOX_READ,
      });
    }
    return inboxes;
  }

  async remove(items: InboxRemoveItem[]): Promise<InboxRemoveResult[]> {
    this.assertOpen();
    return items.map((item) => {
      const result: InboxRemoveResult = { accountId: item.accountId, deviceId: item.deviceId, messageId: item.messageId };
      const state = this.state(item, false);
      const found = state?.held.find((h) => h.entry.message.id === item.messageId);
      if (!state || !found) return result;
      this.take(state, found);
      return { ...result, entry: found.entry };
    });
  }

  async takeExpired(limit: number): Promise<InboxEntry[]> {
    this.assertOpen();
    const nowMs = this.now();
    const taken: InboxEntry[] = [];
    for (const state of this.devices.values()) {
      for (const h of state.held.filter((x) => !isLive(x.entry, nowMs))) {
        if (taken.length >= limit) return taken;
        this.take(state, h);
        taken.push(h.entry);
      }
    }
    return taken;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.devices.clear();
  }

  /**
   * What the store holds right now, for tests and diagnostics (no InboxStore method reads this): the
   * entries of `device`, or of every device (device by device), in
   * inbox order, expired ones takeExpired has not taken yet included. Copies.
   */
  held(device?: DeviceRef): InboxEntry[] {
    const states = device ? [this.state(device, false)] : [...this.devices.values()];
    return states.flatMap((state) => (state?.held ?? []).map((h) => structuredClone(h.entry)));
  }

  /** Drops tombstones past their time, and devices left with nothing. */
  sweep(): void {
    const nowMs = this.now();
    for (const [key, state] of this.devices) {
      for (const [id, until] of state.tombstones) if (until <= nowMs) state.tombstones.delete(id);
      if (state.held.length === 0 && state.tombstones.size === 0) this.devices.delete(key);
    }
  }

  private state(device: DeviceRef, create: true): DeviceState;
  private state(device: DeviceRef, create: false): DeviceState | undefined;
  private state(device: DeviceRef, create: boolean): DeviceState | undefined {
    const key = deviceRefKey(device);
    let state = this.devices.get(key);
    if (!state && create) this.devices.set(key, (state = { held: [], tombstones: new Map() }));
    return state;
  }

  /** Takes `h` out of the inbox, leaving its tombstone. */
  private take(state: DeviceState, h: HeldEntry): void {
    state.held = state.held.filter((x) => x !== h);
    state.tombstones.set(h.entry.message.id, h.entry.expiresAt + TOMBSTONE_MARGIN_MS);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('the memory inbox store is closed');
  }
}
