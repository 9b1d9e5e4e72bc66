import { Counter, Gauge, Histogram, type Registry } from '@pushwire/service-kit';
import type { PartitionLag } from '@pushwire/event-bus';
import type { Priority, PushOutcomeRecord } from '@pushwire/protocol';

/** The message processor's metrics (names start with `pushwire_processor_`). */
export class ProcessorMetrics {
  readonly outcomes: Counter<'priority' | 'status'>;
  readonly attempts: Counter<'priority' | 'status'>;
  readonly endToEnd: Histogram<'priority'>;
  readonly deadLetters: Counter<'reason'>;
  readonly inFlight: Gauge<'priority'>;
  readonly inboxStores: Counter<'result'>;
  readonly raceClosures: Counter<'status'>;
  readonly swept: Counter<'result'>;

  /** `lag` is read on every scrape: the consumer group's lag per partition. */
  constructor(registry: Registry, lag: () => Promise<PartitionLag[]>) {
    const registers = [registry];
    this.outcomes = new Counter({
      name: 'pushwire_processor_outcomes_total',
      help: 'Indirect pushes finished, by priority and outcome status.',
      labelNames: ['priority', 'status'],
      registers,
    });
    this.attempts = new Counter({
      name: 'pushwire_processor_delivery_attempts_total',
      help: 'Delivery attempts, by priority and the status they got.',
      labelNames: ['priority', 'status'],
      registers,
    });
    this.endToEnd = new Histogram({
      name: 'pushwire_processor_end_to_end_seconds',
      help: 'Enqueued → outcome, by priority.',
      labelNames: ['priority'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'pushwire_processor_dead_letters_total',
      help: 'Records sent to the dead-letter topic, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'pushwire_processor_in_flight',
      help: 'Messages being delivered now, by priority.',
      labelNames: ['priority'],
      registers,
    });
    this.inboxStores = new Counter({
      name: 'pushwire_processor_inbox_stores_total',
      help: 'Undeliverable messages handed to the inbox, by what the inbox answered (stored, duplicate, overflow, expired, failed).',
      labelNames: ['result'],
      registers,
    });
    this.raceClosures = new Counter({
      name: 'pushwire_processor_race_closures_total',
      help: 'Deliveries of a just-stored message after a fresh lookup (a device connecting meanwhile), by status.',
      labelNames: ['status'],
      registers,
    });
    this.swept = new Counter({
      name: 'pushwire_processor_inbox_swept_total',
      help: 'Inbox entries whose TTL ended, taken by the expiry sweep (result taken), and sweeps that failed (failed).',
      labelNames: ['result'],
      registers,
    });
    new Gauge({
      name: 'pushwire_processor_consumer_lag',
      help: 'Records of the push-request topics not yet consumed by the processor group, per partition.',
      labelNames: ['topic', 'partition'],
      registers,
      async collect() {
        this.reset();
        for (const p of await lag().catch(() => [])) this.set({ topic: p.topic, partition: String(p.partition) }, p.lag);
      },
    });
  }

  /**
   * Counts written outcomes (by `priority`, or each outcome's own): one counter increment per
   * (priority, status) of the batch and the histogram's labelled child per priority, instead of two
   * label lookups per outcome.
   */
  countOutcomes(outcomes: readonly PushOutcomeRecord[], priority?: Priority): void {
    const counts = new Map<string, { priority: Priority; status: PushOutcomeRecord['status']; n: number }>();
    let hist: { priority: Priority; child: ReturnType<Histogram<'priority'>['labels']> } | undefined;
    for (const outcome of outcomes) {
      const p = priority ?? outcome.priority;
      const key = `${p} ${outcome.status}`;
      const count = counts.get(key);
      if (count) count.n++;
      else counts.set(key, { priority: p, status: outcome.status, n: 1 });
      if (hist?.priority !== p) hist = { priority: p, child: this.endToEnd.labels({ priority: p }) };
      hist.child.observe(outcome.latencyMs / 1000);
    }
    for (const c of counts.values()) this.outcomes.inc({ priority: c.priority, status: c.status }, c.n);
  }
}
