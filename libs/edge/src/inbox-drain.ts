import {
  deviceRefKey,
  MAX_INBOX_BATCH,
  type Delivery,
  type DeliveryResult,
  type DeviceInbox,
  type DeviceRef,
  type Registration,
} from '@pushwire/protocol';
import type { InboxClient } from '@pushwire/registry-client';
import { messageIdsForLog, type Logger } from '@pushwire/service-kit';
import { Phase, type Connection } from './connection';
import { BACKPRESSURE_RETRY_AFTER_MS, type Deliverer } from './delivery';
import { tracedInboxDelivery } from './delivery-tracing';
import { FlushLoop, type FlushLoopOptions } from './flush-loop';
import type { InboxSettlement } from './inbox-settlement';

/** One connection whose device's inbox is to be read. */
interface Reading {
  device: DeviceRef;
  connectionId: string;
  /** Message ids already delivered (or tried) on this connection: a later page skips them. */
  seen: Set<string>;
  /** Confirmed again while a page was out (a re-registration): read once more after it. */
  again: boolean;
}

export interface InboxDrainDeps {
  inbox: InboxClient;
  /** The device's current connection here, if any. */
  connectionOf(accountId: string, deviceId: string): Connection | undefined;
  deliverer: Pick<Deliverer, 'deliver'>;
  settlement: Pick<InboxSettlement, 'settle'>;
  logger: Logger;
  /** Told of every stored message the drain delivered, with its status. */
  onDelivered?: (result: DeliveryResult) => void;
  onError?: (err: unknown) => void;
}

export interface InboxDrainOptions extends FlushLoopOptions {
  /** Coalescing window: devices confirmed within it are read in one call. Default 2 ms. */
  flushDelayMs?: number;
}

/**
 * Redelivery on connect (docs/architecture.md, "Inbox"): once the registry confirmed a connection's
 * registration — never before, so that a sender storing a message meanwhile either sees the
 * registration on its fresh lookup or has its entry seen here — the device's inbox is read (up to
 * MAX_INBOX_BATCH devices per call, retried with backoff while the registry is unreachable) and its
 * entries are delivered in order to that connection (fenced by connection id: never to a newer one),
 * as `inboxed` deliveries the InboxSettlement takes out of the inbox. While an inbox has `more`, it
 * is read again once the page's deliveries are settled (acks in, removals answered), skipping what
 * this connection was already sent (ack_timeout leaves an entry in the inbox); a page that brings
 * nothing new ends the reading, and the rest waits for the next connect.
 */
export class InboxDrain {
  /** deviceRefKey → the reading due; a newer connection's replaces an older one's. */
  private readonly due = new Map<string, Reading>();
  /** deviceRefKey → the reading whose page is being delivered and settled. */
  private readonly active = new Map<string, Reading>();
  private readonly loop: FlushLoop;
  private readonly flushDelayMs: number;
  /** Pages being delivered and settled, for close(). */
  private readonly following = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly deps: InboxDrainDeps,
    opts: InboxDrainOptions = {},
  ) {
    this.flushDelayMs = opts.flushDelayMs ?? 2;
    this.loop = new FlushLoop(
      () => this.readBatch(),
      () => this.due.size,
      opts,
    );
  }

  /** Inbox reads not yet made. */
  get backlog(): number {
    return this.due.size;
  }

  /** The registry confirmed these registrations: read the inboxes of those still connected here. */
  registered(registrations: Registration[]): void {
    for (const r of registrations) {
      if (!this.current(r, r.connectionId)) continue;
      const reading = this.active.get(deviceRefKey(r));
      // A page for this very connection is out: read again after it, without repeating it.
      if (reading?.connectionId === r.connectionId) reading.again = true;
      else
        this.queue({
          device: { accountId: r.accountId, deviceId: r.deviceId },
          connectionId: r.connectionId,
          seen: new Set(),
          again: false,
        });
    }
  }

  /** Stops reading; waits for pages in hand to be delivered and settled. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.due.clear();
    await this.loop.close();
    await Promise.all([...this.following]);
  }

  private queue(reading: Reading): void {
    if (this.closed) return;
    this.due.set(deviceRefKey(reading.device), reading);
    this.loop.schedule(this.flushDelayMs);
  }

  private async readBatch(): Promise<boolean> {
    const batch: Reading[] = [];
    for (const [key, reading] of this.due) {
      if (batch.length >= MAX_INBOX_BATCH) break;
      batch.push(reading);
      this.due.delete(key);
    }
    let inboxes: DeviceInbox[];
    try {
      inboxes = await this.deps.inbox.pending(batch.map((r) => r.device));
    } catch (err) {
      for (const r of batch) {
        const key = deviceRefKey(r.device);
        if (!this.due.has(key) && this.current(r.device, r.connectionId)) this.due.set(key, r);
      }
      this.deps.onError?.(err);
      this.deps.logger.warn({ err, devices: batch.length }, 'reading inboxes failed; will retry');
      return false;
    }
    const byDevice = new Map(batch.map((r) => [deviceRefKey(r.device), r]));
    for (const inbox of inboxes) {
      const reading = byDevice.get(deviceRefKey(inbox));
      if (reading && inbox.entries.length) this.follow(reading, inbox);
    }
    return true;
  }

  private follow(reading: Reading, inbox: DeviceInbox): void {
    const key = deviceRefKey(reading.device);
    reading.again = false;
    this.active.set(key, reading);
    const tracked = this.deliverPage(reading, inbox)
      .catch((err) =>
        this.deps.logger.error(
          { err, ...reading.device, messageIds: messageIdsForLog(inbox.entries.map((e) => e.message.id)) },
          'delivering a stored page failed',
        ),
      )
      .finally(() => {
        if (this.active.get(key) === reading) this.active.delete(key);
        this.following.delete(tracked);
      });
    this.following.add(tracked);
  }

  /** Delivers one page in order, waits for it to settle, and reads on while the inbox has more. */
  private async deliverPage(reading: Reading, inbox: DeviceInbox): Promise<void> {
    const settled: Promise<DeliveryResult>[] = [];
    let fresh = 0;
    for (const entry of inbox.entries) {
      const id = entry.message.id;
      if (reading.seen.has(id)) continue;
      // Checked per entry: a connection replaced or closed mid-page gets nothing more.
      if (!this.current(reading.device, reading.connectionId)) break;
      reading.seen.add(id);
      fresh++;
      const d: Delivery = { ...reading.device, connectionId: reading.connectionId, message: entry.message, inboxed: true };
      // deliver() writes the frame now, so the page goes out in order; only ack waits are promises.
      settled.push(
        Promise.resolve(tracedInboxDelivery(entry.traceparent, d, this.deps.deliverer)).then(async (result) => {
          this.deps.onDelivered?.(result);
          await this.deps.settlement.settle(d, result);
          return result;
        }),
      );
    }
    const results = await Promise.all(settled);
    if (this.closed || !this.current(reading.device, reading.connectionId)) return;
    const pushedBack = results.filter((r) => r.status === 'backpressure');
    if (pushedBack.length) {
      // The device is slow: try those again in a second (the sweeper closes it if it stays slow).
      for (const r of pushedBack) reading.seen.delete(r.messageId);
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        if (this.current(reading.device, reading.connectionId)) this.queue(reading);
      }, BACKPRESSURE_RETRY_AFTER_MS);
      timer.unref();
      this.retryTimers.add(timer);
      return;
    }
    if ((inbox.more && fresh > 0) || reading.again) this.queue(reading);
  }

  /** Whether `connectionId` is still the device's open connection here. */
  private current(device: DeviceRef, connectionId: string): boolean {
    const c = this.deps.connectionOf(device.accountId, device.deviceId);
    return c !== undefined && c.connectionId === connectionId && (c.phase === Phase.Open || c.phase === Phase.Closing);
  }
}
