import type { Registration } from '@pushwire/protocol';
import type { RegistryClient } from '@pushwire/registry-client';
import type { Logger } from '@pushwire/service-kit';

type Op = { kind: 'register'; registration: Registration } | { kind: 'deregister'; connectionId: string };

export interface RegistrationPipelineOptions {
  /** Coalescing window: registrations made within it go out in one request. Default 5 ms. */
  flushDelayMs?: number;
  /** Largest request. Default 500 (the registry's batch limit). */
  maxBatch?: number;
  /** Backoff after a failed flush: doubles from this up to maxRetryDelayMs. Defaults 200 / 5000 ms. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  onError?: (operation: 'register' | 'deregister', err: unknown) => void;
}

/**
 * Gets the edge's connect/disconnect changes into the registry without an HTTP call per connection:
 * changes are coalesced per device (the latest wins), sent in batches, and kept and retried with
 * backoff while the registry is unreachable — the edge goes on serving its devices meanwhile.
 */
export class RegistrationPipeline {
  private readonly pending = new Map<string, Op>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  private readonly flushDelayMs: number;
  private readonly maxBatch: number;

  constructor(
    private readonly registry: RegistryClient,
    private readonly logger: Logger,
    private readonly opts: RegistrationPipelineOptions = {},
  ) {
    this.flushDelayMs = opts.flushDelayMs ?? 5;
    this.maxBatch = opts.maxBatch ?? 500;
  }

  /** Changes not yet confirmed by the registry. */
  get backlog(): number {
    return this.pending.size;
  }

  register(registration: Registration): void {
    this.pending.set(registration.deviceId, { kind: 'register', registration });
    this.schedule(this.flushDelayMs);
  }

  deregister(deviceId: string, connectionId: string): void {
    const queued = this.pending.get(deviceId);
    if (queued?.kind === 'register' && queued.registration.connectionId !== connectionId) {
      return; // a newer connection's registration is queued; it supersedes this one.
    }
    this.pending.set(deviceId, { kind: 'deregister', connectionId });
    this.schedule(this.flushDelayMs);
  }

  /** Sends everything queued now; resolves when the registry accepted it or the attempt failed. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    this.flushing = this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Stops the timer after a last flush attempt. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }

  private async flushOnce(): Promise<void> {
    const registers: Registration[] = [];
    const deregisters: { deviceId: string; connectionId: string }[] = [];
    const taken = new Map<string, Op>();
    for (const [deviceId, op] of this.pending) {
      if (registers.length + deregisters.length >= this.maxBatch) break;
      taken.set(deviceId, op);
      if (op.kind === 'register') registers.push(op.registration);
      else deregisters.push({ deviceId, connectionId: op.connectionId });
    }
    for (const deviceId of taken.keys()) this.pending.delete(deviceId);
    let ok = true;
    await Promise.all([
      registers.length && this.registry.register(registers).catch((err) => {
        ok = false;
        this.opts.onError?.('register', err);
        this.requeue(taken, 'register');
        this.logger.warn({ err: (err as Error).message, count: registers.length }, 'registry register failed; will retry');
      }),
      deregisters.length && this.registry.deregister(deregisters).catch((err) => {
        ok = false;
        this.opts.onError?.('deregister', err);
        this.requeue(taken, 'deregister');
        this.logger.warn({ err: (err as Error).message, count: deregisters.length }, 'registry deregister failed; will retry');
      }),
    ]);
    if (ok) {
      this.failures = 0;
      if (this.pending.size) this.schedule(0);
    } else {
      this.failures++;
      const base = this.opts.retryDelayMs ?? 200;
      const delay = Math.min(this.opts.maxRetryDelayMs ?? 5000, base * 2 ** (this.failures - 1));
      this.schedule(delay * (0.5 + Math.random() / 2));
    }
  }

  /** Puts failed ops back unless a newer change for the same device arrived meanwhile. */
  private requeue(taken: Map<string, Op>, kind: Op['kind']): void {
    for (const [deviceId, op] of taken) {
      if (op.kind === kind && !this.pending.has(deviceId)) this.pending.set(deviceId, op);
    }
  }
}
