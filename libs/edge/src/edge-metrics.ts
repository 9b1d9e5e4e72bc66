import { Counter, Gauge, Histogram, LATENCY_BUCKETS_SECONDS, type Registry } from '@pushwire/service-kit';
import { CloseCode, DELIVERY_STATUSES, type DeliveryStatus } from '@pushwire/protocol';

/**
 * The close codes `pushwire_edge_closes_total` names: the edge's own, and what uWS reports for a
 * close without a code (1005) or without a close frame (1006). A device may close with any code it
 * likes; every other one is counted as `other`, so no client can grow the label set.
 */
const CLOSE_CODE_LABELS = new Map<number, string>([...Object.values(CloseCode), 1005, 1006].map((code) => [code, String(code)]));

/** The edge's Prometheus metrics. Label children are bound once so hot paths do no label lookups. */
export class EdgeMetrics {
  readonly accepts: Counter<'transport'>;
  readonly rejects: Counter<'reason'>;
  readonly closes: Counter<'code'>;
  readonly reconnectsAsked: Counter<'reason'>;
  readonly framesIn: Counter<'type'>;
  readonly badFrames: Counter;
  readonly droppedFrames: Counter;
  readonly registryErrors: Counter<'operation'>;
  readonly deliverLatency: Histogram;
  readonly linkRequestLatency: Histogram;
  readonly d2d: Counter<'status'>;
  readonly d2dLatency: Histogram;
  readonly notices: Counter;
  readonly eventsDropped: Counter;
  readonly eventErrors: Counter;
  readonly inboxDeliveries: Counter<'status'>;
  readonly inboxRemovals: Counter<'result'>;
  readonly inboxErrors: Counter<'operation'>;
  readonly inboxOutcomesUnpublished: Counter;
  readonly topicMessages: Counter<'kind'>;
  readonly topicDeliveries: Counter<'kind'>;
  readonly topicRecoveries: Counter<'result'>;
  readonly topicRefusals: Counter<'status'>;
  /**
   * Deliveries by status not yet added to `pushwire_edge_deliveries_total`: the fan-out path counts
   * every delivery, and a prom-client inc (a label hash and a map lookup) per delivery cost more than
   * the rest of the bookkeeping. Plain numbers here, added to the counter when it is collected
   * (every scrape), so what /metrics shows is exact.
   */
  private readonly uncounted: Record<DeliveryStatus, number> = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<
    DeliveryStatus,
    number
  >;

  constructor(
    registry: Registry,
    connections: () => { websocket: number; sse: number; authenticating: number },
    draining: () => boolean = () => false,
    topics: () => { subscriptions: number; topics: number } = () => ({ subscriptions: 0, topics: 0 }),
  ) {
    const reg = [registry];
    new Gauge({
      name: 'pushwire_edge_connections',
      help: 'Open device connections.',
      labelNames: ['transport'],
      registers: reg,
      collect() {
        const c = connections();
        this.set({ transport: 'websocket' }, c.websocket);
        this.set({ transport: 'sse' }, c.sse);
        this.set({ transport: 'authenticating' }, c.authenticating);
      },
    });
    this.accepts = new Counter({
      name: 'pushwire_edge_accepts_total',
      help: 'Authenticated connections accepted.',
      labelNames: ['transport'],
      registers: reg,
    });
    this.rejects = new Counter({
      name: 'pushwire_edge_rejects_total',
      help: 'Connection attempts refused, by reason (overloaded: over the accept-rate limit; draining; auth reasons).',
      labelNames: ['reason'],
      registers: reg,
    });
    new Gauge({
      name: 'pushwire_edge_draining',
      help: '1 while the edge drains (refuses new connections, moves its devices away).',
      registers: reg,
      collect() {
        this.set(draining() ? 1 : 0);
      },
    });
    this.reconnectsAsked = new Counter({
      name: 'pushwire_edge_reconnects_asked_total',
      help: 'reconnect frames sent, by reason (drain, lifetime, token_expired).',
      labelNames: ['reason'],
      registers: reg,
    });
    this.closes = new Counter({
      name: 'pushwire_edge_closes_total',
      help: "Connections closed, by close code (the edge's own codes, 1005 and 1006; any other code a device sent is 'other').",
      labelNames: ['code'],
      registers: reg,
    });
    this.framesIn = new Counter({
      name: 'pushwire_edge_frames_in_total',
      help: 'Valid frames received from devices, by type.',
      labelNames: ['type'],
      registers: reg,
    });
    this.badFrames = new Counter({
      name: 'pushwire_edge_bad_frames_total',
      help: 'Malformed, unknown, binary or rate-limited frames.',
      registers: reg,
    });
    this.droppedFrames = new Counter({
      name: 'pushwire_edge_dropped_frames_total',
      help: 'Frames dropped by the per-connection rate limit (also in bad_frames_total; never counted toward the bad-frame close).',
      registers: reg,
    });
    this.registryErrors = new Counter({
      name: 'pushwire_edge_registry_errors_total',
      help: 'Failed registry calls (retried).',
      labelNames: ['operation'],
      registers: reg,
    });
    this.deliverLatency = new Histogram({
      name: 'pushwire_edge_deliver_request_seconds',
      help: 'Time to answer POST /v1/deliver.',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: reg,
    });
    this.linkRequestLatency = new Histogram({
      name: 'pushwire_edge_link_request_seconds',
      help: 'Time to answer a link request (relayed d2d from a peer edge, GET /v1/link).',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: reg,
    });
    this.d2d = new Counter({
      name: 'pushwire_edge_d2d_total',
      help: 'Device-to-device sends answered, by status.',
      labelNames: ['status'],
      registers: reg,
    });
    this.d2dLatency = new Histogram({
      name: 'pushwire_edge_d2d_seconds',
      help: 'Time from d2d.send in to d2d.result out.',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: reg,
    });
    this.notices = new Counter({
      name: 'pushwire_edge_device_notices_total',
      help: 'device.online / device.offline frames written to subscribed devices.',
      registers: reg,
    });
    this.eventsDropped = new Counter({
      name: 'pushwire_edge_connection_events_dropped_total',
      help: 'Connection events dropped because the bus stayed unreachable and the buffer filled.',
      registers: reg,
    });
    this.eventErrors = new Counter({
      name: 'pushwire_edge_connection_event_errors_total',
      help: 'Failed publishes of connection events (retried).',
      registers: reg,
    });
    this.inboxDeliveries = new Counter({
      name: 'pushwire_edge_inbox_deliveries_total',
      help: "Stored messages delivered from a device's inbox when it connected, by delivery status.",
      labelNames: ['status'],
      registers: reg,
    });
    this.inboxRemovals = new Counter({
      name: 'pushwire_edge_inbox_removals_total',
      help: 'Inbox removals of delivered stored messages: taken (this edge reported the final outcome) or gone (taken by someone else first).',
      labelNames: ['result'],
      registers: reg,
    });
    this.inboxErrors = new Counter({
      name: 'pushwire_edge_inbox_errors_total',
      help: 'Failed inbox calls (pending, remove), retried.',
      labelNames: ['operation'],
      registers: reg,
    });
    this.inboxOutcomesUnpublished = new Counter({
      name: 'pushwire_edge_inbox_outcomes_unpublished_total',
      help: 'Final outcomes of stored messages not published: no event bus, or dropped after a long bus outage.',
      registers: reg,
    });
    new Gauge({
      name: 'pushwire_edge_topic_subscriptions',
      help: 'Topic subscriptions of the connections on this edge.',
      registers: reg,
      collect() {
        this.set(topics().subscriptions);
      },
    });
    new Gauge({
      name: 'pushwire_edge_topics',
      help: 'Topics with at least one subscriber on this edge.',
      registers: reg,
      collect() {
        this.set(topics().topics);
      },
    });
    this.topicMessages = new Counter({
      name: 'pushwire_edge_topic_messages_total',
      help: 'Records read from the topic log, by kind (topic, broadcast, invalid: off the schema, skipped).',
      labelNames: ['kind'],
      registers: reg,
    });
    this.topicDeliveries = new Counter({
      name: 'pushwire_edge_topic_deliveries_total',
      help: 'topic.message and broadcast frames written to devices (live and recovered), by kind.',
      labelNames: ['kind'],
      registers: reg,
    });
    this.topicRecoveries = new Counter({
      name: 'pushwire_edge_topic_recoveries_total',
      help: 'Subscribes with since, by result: hit (every missed message followed) or miss (recovered: false).',
      labelNames: ['result'],
      registers: reg,
    });
    this.topicRefusals = new Counter({
      name: 'pushwire_edge_topic_subscribe_refusals_total',
      help: 'Subscribes refused, by status (forbidden, limit_exceeded, unavailable).',
      labelNames: ['status'],
      registers: reg,
    });
    const uncounted = this.uncounted;
    new Counter({
      name: 'pushwire_edge_deliveries_total',
      help: 'Delivery attempts, by status.',
      labelNames: ['status'],
      registers: reg,
      collect() {
        for (const status of DELIVERY_STATUSES) {
          const n = uncounted[status];
          if (n === 0) continue;
          uncounted[status] = 0;
          this.labels(status).inc(n);
        }
      },
    });
  }

  /** Counts a closed connection under its close code, or `other` for a code the edge does not know. */
  closed(code: number): void {
    this.closes.labels(CLOSE_CODE_LABELS.get(code) ?? 'other').inc();
  }

  /** Counts one delivery answered with `status` (added to pushwire_edge_deliveries_total at the next collect). */
  delivery(status: DeliveryStatus): void {
    this.uncounted[status]++;
  }
}
