import { Counter, Gauge, type Registry } from '@pushwire/service-kit';

/** The device list's Prometheus metrics. */
export class DeviceListMetrics {
  readonly events: Counter<'kind' | 'outcome'>;
  readonly invalidEvents: Counter;
  readonly notices: Counter<'frame'>;
  readonly noticeFailures: Counter;
  readonly syntheticOffline: Counter;
  readonly knownEdges: Gauge;

  constructor(registry: Registry, lag: () => Promise<number>) {
    const registers = [registry];
    this.events = new Counter({
      name: 'pushwire_device_list_events_total',
      help: 'Connection events consumed, by kind and outcome (applied, stale).',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.invalidEvents = new Counter({
      name: 'pushwire_device_list_invalid_events_total',
      help: 'Unreadable connection events sent to the dead-letter topic.',
      registers,
    });
    this.notices = new Counter({
      name: 'pushwire_device_list_notices_total',
      help: 'device.online / device.offline notices sent (one per change).',
      labelNames: ['frame'],
      registers,
    });
    this.noticeFailures = new Counter({
      name: 'pushwire_device_list_notice_failures_total',
      help: 'Edges that could not be notified of a change.',
      registers,
    });
    this.syntheticOffline = new Counter({
      name: 'pushwire_device_list_synthetic_offline_total',
      help: 'Devices marked offline because their edge lost its lease.',
      registers,
    });
    this.knownEdges = new Gauge({
      name: 'pushwire_device_list_known_edges',
      help: 'Edges with devices the lease sweep watches.',
      registers,
    });
    new Gauge({
      name: 'pushwire_device_list_consumer_lag',
      help: 'Connection events not yet consumed.',
      registers,
      async collect() {
        this.set(await lag().catch(() => -1));
      },
    });
  }
}
