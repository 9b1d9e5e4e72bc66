import type { DeviceConnectionEvent, Registration } from '@pushwire/protocol';
import { Phase, type Connection } from './connection';
import type { ConnectionEventSink } from './devices/connection-events';
import type { RegistrationPipeline } from './registration-pipeline';

export interface PresenceDeps {
  edgeId: string;
  /** This edge's internal URL, where senders reach its devices; known once the edge listens. */
  edgeUrl(): string;
  /** How long a registration lives in the registry. */
  registryTtlSeconds: number;
  registrations: Pick<RegistrationPipeline, 'register' | 'deregister'>;
  /** Where connects and disconnects are announced for the device list; none when absent. */
  events?: Pick<ConnectionEventSink, 'publish'>;
  now: () => number;
}

/**
 * Tells the rest of Pushwire where devices are: a device that connects here is registered in the
 * registry (routes) and announced on the bus (device list); one that leaves is deregistered and
 * announced gone.
 */
export class Presence {
  private lastEventAt = 0;

  constructor(private readonly deps: PresenceDeps) {}

  connected(c: Connection): void {
    this.deps.registrations.register(this.registrationOf(c));
    this.announce('connected', c);
  }

  disconnected(c: Connection): void {
    this.deps.registrations.deregister(c, c.connectionId);
    this.announce('disconnected', c);
  }

  /**
   * The lease lapsed (the registry stopped resolving our devices, and the device list marked them
   * offline): register every live connection again and announce it again, with a later event time
   * so the announcement wins over the synthetic disconnect.
   */
  reRegisterAll(connections: Iterable<Connection>): void {
    for (const c of connections) {
      if (c.phase === Phase.Closed) continue;
      this.connected(c);
    }
  }

  private registrationOf(c: Connection): Registration {
    return {
      deviceId: c.deviceId,
      accountId: c.accountId,
      deviceType: c.deviceType,
      ...(c.deviceName ? { deviceName: c.deviceName } : {}),
      edgeId: this.deps.edgeId,
      edgeUrl: this.deps.edgeUrl(),
      connectionId: c.connectionId,
      connectedAt: c.connectedAt,
      expiresAt: Math.floor(c.connectedAt / 1000) + this.deps.registryTtlSeconds,
    };
  }

  private announce(kind: DeviceConnectionEvent['kind'], c: Connection): void {
    this.deps.events?.publish({
      v: 1,
      kind,
      accountId: c.accountId,
      deviceId: c.deviceId,
      deviceType: c.deviceType,
      ...(c.deviceName ? { deviceName: c.deviceName } : {}),
      connectionId: c.connectionId,
      connectedAt: c.connectedAt,
      edgeId: this.deps.edgeId,
      edgeUrl: this.deps.edgeUrl(),
      at: this.nextEventAt(),
    });
  }

  /** Strictly increasing event times, so a disconnect in the same millisecond as its connect still orders after it. */
  private nextEventAt(): number {
    const now = this.deps.now();
    this.lastEventAt = now > this.lastEventAt ? now : this.lastEventAt + 1;
    return this.lastEventAt;
  }
}
