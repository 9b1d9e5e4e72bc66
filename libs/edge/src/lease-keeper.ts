import type { RegistryClient } from '@pushwire/registry-client';
import type { Logger } from '@pushwire/service-kit';

/** Retry interval while renewals fail: the lease is back within this of the registry answering again. */
export const LEASE_RETRY_MS = 500;

export interface LeaseKeeperOptions {
  edgeId: string;
  ttlSeconds: number;
  /**
   * Random id of this edge process. The registry keeps the lease's epoch when the same incarnation
   * re-takes its lapsed lease, so the devices this process registered resolve again the moment the
   * lease is back, not only once it has re-registered them all.
   */
  incarnation: string;
  /** Called when the registry lost this edge's lease (new, lapsed, or after an outage): re-register everything. */
  onLeaseLost: () => void;
  onError?: (err: unknown) => void;
  /** Retry interval while renewals fail. Default LEASE_RETRY_MS (never more than a third of the TTL). */
  retryMs?: number;
  now?: () => number;
}

/**
 * Keeps the edge's liveness lease in the registry, renewing it three times per TTL, and every
 * `retryMs` while renewals fail (a registry or store outage), so the lease — and with it every route
 * to this edge — is back within `retryMs` of the registry answering again. Lookups ignore the records
 * of an edge whose lease lapsed, so a crashed edge's devices stop resolving within a TTL. After a
 * lapse or an outage the store may have lost registrations, so the edge re-registers all.
 */
export class LeaseKeeper {
  /** When the registry last renewed the lease (epoch ms); undefined before the first renewal. /readyz reads it. */
  renewedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failedSinceLastSuccess = false;
  private stopped = false;
  private renewing: Promise<void> | undefined;
  private edgeUrl = '';
  private readonly periodMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly registry: RegistryClient,
    private readonly logger: Logger,
    private readonly opts: LeaseKeeperOptions,
  ) {
    this.periodMs = (opts.ttlSeconds * 1000) / 3;
    this.retryMs = Math.min(opts.retryMs ?? LEASE_RETRY_MS, this.periodMs);
  }

  /** Renews once now (errors are logged, not thrown: the edge serves devices without the registry) and keeps renewing. */
  async start(edgeUrl: string): Promise<void> {
    this.edgeUrl = edgeUrl;
    await this.renew();
    this.scheduleNext();
  }

  async stop(release: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.renewing;
    if (release) {
      await this.registry.releaseLease(this.opts.edgeId).catch((err) => {
        this.logger.warn({ err }, 'releasing the edge lease failed; it will lapse by itself');
      });
    }
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      async () => {
        await this.renew();
        this.scheduleNext();
      },
      this.failedSinceLastSuccess ? this.retryMs : this.periodMs,
    );
    this.timer.unref();
  }

  private renew(): Promise<void> {
    this.renewing = (async () => {
      try {
        // A renewal stuck on a hanging registry must not hold up the next try past the lease's third.
        const { renewed } = await this.registry.renewLease(this.opts.edgeId, this.edgeUrl, this.opts.ttlSeconds, {
          incarnation: this.opts.incarnation,
          timeoutMs: Math.max(this.retryMs, Math.min(2000, this.periodMs)),
        });
        if (!renewed || this.failedSinceLastSuccess) {
          this.logger.info({ renewed, afterOutage: this.failedSinceLastSuccess }, 'edge lease (re)acquired: re-registering connections');
          this.opts.onLeaseLost();
        }
        this.failedSinceLastSuccess = false;
        this.renewedAt = (this.opts.now ?? Date.now)();
      } catch (err) {
        if (!this.failedSinceLastSuccess) this.logger.warn({ err }, 'edge lease renewal failed; serving on, will retry');
        this.failedSinceLastSuccess = true;
        this.opts.onError?.(err);
      }
    })();
    return this.renewing;
  }
}
