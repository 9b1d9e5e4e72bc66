import type { EventBus, Subscription } from './event-bus';

/** A dependency check as a service's /readyz runs it (service-kit's DependencyCheck, by shape). */
export interface BusDependencyCheck {
  readonly dependency: string;
  check(): Promise<string | undefined> | string | undefined;
}

/**
 * The readiness checks of a service that publishes to the bus and consumes it in a group:
 * `event-bus` (the bus takes a publish now: producer connected, a broker answers) and
 * `consumer-group` (the service's member is in its group; before start or once stopped it is not).
 */
export function busReadinessChecks(bus: EventBus, subscription: () => Subscription | undefined): BusDependencyCheck[] {
  return [
    { dependency: 'event-bus', check: async () => void (await bus.ready?.()) },
    {
      dependency: 'consumer-group',
      check: () => {
        const sub = subscription();
        if (!sub) return 'not subscribed';
        return sub.joined && !sub.joined() ? 'not a member of its consumer group (joining, crashed or stopped)' : undefined;
      },
    },
  ];
}
