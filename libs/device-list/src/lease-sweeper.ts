import type { RegistryClient } from '@pushwire/registry-client';
import type { Logger } from '@pushwire/service-kit';
import type { DeviceListStore } from './device-list-store';
import type { DeviceListMetrics } from './device-list-metrics';
import type { DeviceTracker } from './device-tracker';

/**
 * Marks a crashed edge's devices offline (docs/architecture.md, Flows: "Registration freshness"): a crashed edge
 * sends no `disconnected`, but its liveness lease in the registry lapses within its TTL. Every sweep
 * asks the registry which remembered edges still hold a live lease; for each that does not, every
 * device still online there gets a synthetic `disconnected` stamped with the sweep time. Should the
 * edge come back and take its lease again, it re-announces its live connections with later event
 * times, which win (the ordering rule).
 */
export class LeaseSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: DeviceListStore,
    private readonly registry: RegistryClient,
    private readonly tracker: DeviceTracker,
    private readonly metrics: DeviceListMetrics,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.sweep().finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One sweep; resolves with how many devices it marked offline. Never rejects (failures are logged and retried next sweep). */
  async sweep(): Promise<number> {
    try {
      const edges = await this.store.knownEdges();
      this.metrics.knownEdges.set(edges.length);
      if (edges.length === 0) return 0;
      const live = new Set((await this.registry.leaseStatus(edges.map((e) => e.edgeId))).map((l) => l.edgeId));
      let marked = 0;
      for (const edge of edges) {
        if (live.has(edge.edgeId)) continue;
        const at = this.now();
        for (const r of await this.store.onlineOnEdge(edge.edgeId)) {
          const { deviceName, online: _online, eventAt: _eventAt, ...identity } = r;
          const result = await this.tracker.apply({
            v: 1,
            kind: 'disconnected',
            ...identity,
            ...(deviceName !== undefined ? { deviceName } : {}),
            at: Math.max(at, r.eventAt + 1),
          });
          if (result.applied) marked++;
        }
        if ((await this.store.onlineOnEdge(edge.edgeId)).length === 0) {
          await this.store.forgetEdge(edge.edgeId);
          this.tracker.forgotten(edge.edgeId);
        }
      }
      if (marked) {
        this.metrics.syntheticOffline.inc(marked);
        this.logger.info({ marked }, 'devices of edges without a live lease marked offline');
      }
      return marked;
    } catch (err) {
      this.logger.warn({ err }, 'lease sweep failed; retrying next sweep');
      return 0;
    }
  }
}
