import { ProtocolValidationError, Topics, Validators, parseJson, type DeviceConnectionEvent } from '@pushwire/protocol';
import {
  busReadinessChecks,
  deadLetterOf,
  type BusDependencyCheck,
  type ConsumedRecord,
  type EventBus,
  type Subscription,
} from '@pushwire/event-bus';
import type { Logger } from '@pushwire/service-kit';
import type { DeviceListMetrics } from './device-list-metrics';
import type { DeviceTracker } from './device-tracker';

export interface DeviceEventConsumerOptions {
  bus: EventBus;
  tracker: DeviceTracker;
  metrics: DeviceListMetrics;
  logger: Logger;
  groupId: string;
  /** Partitions of pushwire.device-connections when this service creates it. */
  partitions: number;
  /** Where a group without committed offsets starts. Default true (the oldest record). */
  fromBeginning?: boolean;
  now?: () => number;
}

/**
 * Feeds `pushwire.device-connections` into the device list. Records are keyed by account, so one
 * partition's batch holds each account's events in order: they are applied in that order per account,
 * and different accounts in parallel. An unreadable record goes to the dead-letter topic with the
 * reason and does not hold up the rest; a store failure rejects the batch, which comes again (applying
 * an event twice is harmless: the second time it is not newer).
 */
export class DeviceEventConsumer {
  private subscription: Subscription | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: DeviceEventConsumerOptions) {
    this.now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    const { bus, partitions } = this.opts;
    await bus.ensureTopics([
      { name: Topics.deviceConnections, partitions },
      { name: Topics.deviceConnectionsDlq, partitions: 1 },
    ]);
    this.subscription = await bus.subscribe({
      groupId: this.opts.groupId,
      topics: [Topics.deviceConnections],
      partitionsConcurrently: partitions,
      fromBeginning: this.opts.fromBeginning ?? true,
      handler: (records) => this.handle(records),
    });
  }

  /** What /readyz checks: the bus takes publishes (dead letters) and this member is in its group. */
  readinessChecks(): BusDependencyCheck[] {
    return busReadinessChecks(this.opts.bus, () => this.subscription);
  }

  /** Consumer lag summed over the partitions. */
  async lag(): Promise<number> {
    if (!this.subscription) return 0;
    return (await this.subscription.lag()).reduce((sum, p) => sum + p.lag, 0);
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  private async handle(records: readonly ConsumedRecord[]): Promise<void> {
    const byAccount = new Map<string, DeviceConnectionEvent[]>();
    const invalid = [];
    for (const record of records) {
      try {
        const event = Validators.deviceConnectionEvent.decode(parseJson(record.value, 'record value'));
        const queue = byAccount.get(event.accountId);
        if (queue) queue.push(event);
        else byAccount.set(event.accountId, [event]);
      } catch (e) {
        const detail = e instanceof ProtocolValidationError ? e.message : String(e);
        invalid.push(deadLetterOf(record, 'invalid_record', detail, this.now()));
      }
    }
    if (invalid.length) {
      await this.opts.bus.publish(
        Topics.deviceConnectionsDlq,
        invalid.map((d) => ({ key: d.key ?? '', value: JSON.stringify(d) })),
      );
      this.opts.metrics.invalidEvents.inc(invalid.length);
      this.opts.logger.warn({ count: invalid.length, first: invalid[0]?.detail }, 'unreadable connection events dead-lettered');
    }
    await Promise.all(
      [...byAccount.values()].map(async (events) => {
        for (const event of events) await this.opts.tracker.apply(event);
      }),
    );
  }
}
