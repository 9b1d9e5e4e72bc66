import { Topics, type DeviceConnectionEvent } from '@pushwire/protocol';
import type { EventBus } from '@pushwire/event-bus';
import type { Logger } from '@pushwire/service-kit';
import { BusPublisher, type BusPublisherOptions } from '../bus-publisher';

/** Where the edge reports connects and disconnects (docs/architecture.md, Flows: "Device list"). */
export interface ConnectionEventSink {
  publish(event: DeviceConnectionEvent): void;
  /** Sends what is buffered (one last attempt) and stops. */
  close(): Promise<void>;
}

export type ConnectionEventPublisherOptions = BusPublisherOptions;

/**
 * Publishes connection events to `pushwire.device-connections`, keyed by account id, in the order
 * they happened (a BusPublisher: batched, held and retried in order while the bus is unreachable).
 * The device list heals whatever a long outage made us drop: lease sweeps mark crashed edges'
 * devices offline, reconnects announce them again.
 */
export class ConnectionEventPublisher extends BusPublisher<DeviceConnectionEvent> implements ConnectionEventSink {
  constructor(bus: EventBus, logger: Logger, opts: ConnectionEventPublisherOptions = {}) {
    super(bus, logger, { topic: Topics.deviceConnections, keyOf: (e) => e.accountId, what: 'connection events' }, opts);
  }
}
