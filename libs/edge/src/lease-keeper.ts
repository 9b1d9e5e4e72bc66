import type { RegistryClient } from '@pushwire/registry-client';
import type { Logger } from '@pushwire/service-kit';

export interface LeaseKeeperOptions {
  edgeId: string;
  ttlSeconds: number;
  /** Called when the registry lost this edge's lease (new, lapsed, or after an outage): re-register everything. */
  onLeaseLost: () => void;
  onError?: (err: unknown) => void;
}

/**
 * Keeps the edge's liveness lease in the registry, renewing it three times per TTL. Lookups ignore
 * the records of an edge whose lease lapsed, so a crashed edge's devices stop resolving within a TTL.
 * After a lapse or an outage the store may have lost registrations, so the edge re-registers all.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private failedSinceLastSuccess = false;
  private stopped = false;
  private renewing: Promise<void> | undefined;
  private edgeUrl = '';

  constructor(
    private readonly registry: RegistryClient,
    private readonly logger: Logger,
    private readonly opts: LeaseKeeperOptions,
  ) {}

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
      (this.opts.ttlSeconds * 1000) / 3,
    );
    this.timer.unref();
  }

  private renew(): Promise<void> {
    this.renewing = (async () => {
      try {
        const { renewed } = await this.registry.renewLease(this.opts.edgeId, this.edgeUrl, this.opts.ttlSeconds);
        if (!renewed || this.failedSinceLastSuccess) {
          this.logger.info({ renewed, afterOutage: this.failedSinceLastSuccess }, 'edge lease (re)acquired: re-registering connections');
          this.opts.onLeaseLost();
        }
        this.failedSinceLastSuccess = false;
      } catch (err) {
        if (!this.failedSinceLastSuccess) this.logger.warn({ err }, 'edge lease renewal failed; serving on, will retry');
        this.failedSinceLastSuccess = true;
        this.opts.onError?.(err);
      }
    })();
    return this.renewing;
  }
}
