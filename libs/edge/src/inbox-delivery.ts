import { deviceRefKey, Topics, type PushOutcomeRecord, type Registration } from '@pushwire/protocol';
import type { EventBus } from '@pushwire/event-bus';
import type { InboxClient } from '@pushwire/registry-client';
import type { JournalRecorder, Logger } from '@pushwire/service-kit';
import { BusPublisher } from './bus-publisher';
import type { Connection } from './connection';
import type { Deliverer } from './delivery';
import type { EdgeMetrics } from './edge-metrics';
import { InboxDrain } from './inbox-drain';
import { InboxSettlement, settlingDeliverer, unpublishedOutcomes, type OutcomeSink } from './inbox-settlement';

export interface InboxDeliveryDeps {
  edgeId: string;
  inbox: InboxClient | undefined;
  eventBus: EventBus | undefined;
  deliverer: Deliverer;
  connectionOf(accountId: string, deviceId: string): Connection | undefined;
  metrics: EdgeMetrics;
  logger: Logger;
  now: () => number;
  journal: JournalRecorder;
}

/** The edge's side of the inbox: what senders deliver through, what a confirmed registration starts, and the shutdown. */
export interface InboxDelivery {
  /** The Deliverer with settlement of `inboxed` deliveries. */
  deliverer: Pick<Deliverer, 'deliver'>;
  /** The registry confirmed these registrations: deliver their devices' stored messages. */
  registered(registrations: Registration[]): void;
  close(): Promise<void>;
}

/**
 * Wires the InboxDrain and the InboxSettlement of an edge: final outcomes go to
 * `pushwire.push-outcomes` on the edge's bus (an edge without one says so once and counts them).
 * Without an inbox client, stored messages are neither read nor removed: deliveries pass through.
 */
export function inboxDelivery(deps: InboxDeliveryDeps): InboxDelivery {
  const { inbox, metrics, logger } = deps;
  if (!inbox) return { deliverer: deps.deliverer, registered: () => undefined, close: async () => undefined };
  const outcomes: OutcomeSink = deps.eventBus
    ? new BusPublisher<PushOutcomeRecord>(
        deps.eventBus,
        logger,
        { topic: Topics.pushOutcomes, keyOf: (r) => deviceRefKey(r.target), what: 'inbox outcomes' },
        { onDropped: (n) => metrics.inboxOutcomesUnpublished.inc(n), onError: () => metrics.eventErrors.inc() },
      )
    : unpublishedOutcomes(logger, () => metrics.inboxOutcomesUnpublished.inc());
  const settlement = new InboxSettlement({
    edgeId: deps.edgeId,
    inbox,
    outcomes,
    logger,
    now: deps.now,
    journal: deps.journal,
    onRemoved: (result) => metrics.inboxRemovals.labels(result).inc(),
    onError: () => metrics.inboxErrors.labels('remove').inc(),
  });
  const drain = new InboxDrain({
    inbox,
    connectionOf: deps.connectionOf,
    deliverer: deps.deliverer,
    settlement,
    logger,
    onDelivered: (result) => metrics.inboxDeliveries.labels(result.status).inc(),
    onError: () => metrics.inboxErrors.labels('pending').inc(),
  });
  return {
    deliverer: settlingDeliverer(deps.deliverer, settlement),
    registered: (registrations) => drain.registered(registrations),
    // Pages in hand first (their removals join the queue), then the removals, then their outcomes.
    close: async () => {
      await drain.close();
      await settlement.close();
      await outcomes.close();
    },
  };
}
