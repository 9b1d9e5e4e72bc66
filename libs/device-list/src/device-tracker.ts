import type { Logger } from '@pushwire/service-kit';
import type { AccountNotifier } from './account-notifier';
import type { ApplyResult, DeviceListStore } from './device-list-store';
import { deviceInfoOf, type DeviceStateChange } from './device-record';
import type { DeviceListMetrics } from './device-list-metrics';

const REMEMBER_AGAIN_MS = 60_000;

/**
 * Applies device state changes (edge events and synthetic disconnects) to the store and tells the
 * account's subscribed devices when one came online or went offline. Only an applied change notifies:
 * a stale or replayed event changes nothing and says nothing.
 */
export class DeviceTracker {
  /**
   * Edges this process remembered, and when: the store write happens about once a minute per edge,
   * not per event. Rewriting now and then matters with several replicas: another one may have
   * forgotten the edge (after its lease lapsed) before the edge came back.
   */
  private readonly remembered = new Map<string, number>();

  constructor(
    private readonly store: DeviceListStore,
    private readonly notifier: AccountNotifier,
    private readonly metrics: DeviceListMetrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async apply(change: DeviceStateChange): Promise<ApplyResult> {
    const now = this.now();
    if (change.kind === 'connected' && !((this.remembered.get(change.edgeId) ?? -Infinity) > now - REMEMBER_AGAIN_MS)) {
      // Before the device is written: the lease sweep must know every edge that may hold online devices.
      await this.store.rememberEdge({ edgeId: change.edgeId, edgeUrl: change.edgeUrl });
      this.remembered.set(change.edgeId, now);
    }
    const result = await this.store.apply(change);
    this.metrics.events.labels(change.kind, result.applied ? 'applied' : 'stale').inc();
    if (!result.applied) return result;
    const { record, previous } = result;
    if (record.online) await this.notify(record.accountId, { type: 'device.online', device: deviceInfoOf(record) });
    else if (previous?.online) await this.notify(record.accountId, { type: 'device.offline', deviceId: record.deviceId });
    return result;
  }

  /** The edge was forgotten by the store: remember it again on its next connect. */
  forgotten(edgeId: string): void {
    this.remembered.delete(edgeId);
  }

  private async notify(accountId: string, frame: Parameters<AccountNotifier['notify']>[0]['frame']): Promise<void> {
    try {
      const online = await this.store.listOnline(accountId);
      const failed = await this.notifier.notify({ accountId, frame }, online);
      this.metrics.notices.labels(frame.type).inc();
      if (failed) this.metrics.noticeFailures.inc(failed);
    } catch (err) {
      // The change itself is stored; a missed notice is healed by the devices' next list.
      this.logger.warn({ err, accountId }, 'could not notify the account of a device change');
    }
  }
}
