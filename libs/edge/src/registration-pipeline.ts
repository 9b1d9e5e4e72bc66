import { deviceRefKey, type DeregisterItem, type DeviceRef, type RegisterResponse, type Registration } from '@pushwire/protocol';
import type { RegistryClient } from '@pushwire/registry-client';
import type { Logger } from '@pushwire/service-kit';
import { FlushLoop, type FlushLoopOptions } from './flush-loop';

const DEFAULT_CALL_TIMEOUT_MS = 30_000;

type RegisterResult = RegisterResponse['results'][number];

type Op = { kind: 'register'; registration: Registration } | { kind: 'deregister'; item: DeregisterItem };

export interface RegistrationPipelineOptions extends FlushLoopOptions {
  /** Coalescing window: registrations made within it go out in one request. Default 5 ms. */
  flushDelayMs?: number;
  /** Largest request. Default 500 (the registry's batch limit). */
  maxBatch?: number;
  /**
   * Deadline of one register or deregister call. Default 30 000 ms: a full batch of conditional
   * writes on a slow store takes seconds, and a call given up on while the registry is still writing
   * it is sent again on top of the first, which only makes the store slower.
   */
  callTimeoutMs?: number;
  onError?: (operation: 'register' | 'deregister', err: unknown) => void;
  /** Told of the registrations the registry confirmed (`registered`; not `stale` ones), once each batch is answered. */
  onRegistered?: (registrations: Registration[]) => void;
}

/**
 * Gets the edge's connect/disconnect changes into the registry without an HTTP call per connection:
 * changes are coalesced per device — account and device id: two accounts' devices of the same id
 * never coalesce — (the latest wins), sent in batches, and kept and retried with backoff while the
 * registry is unreachable — the edge goes on serving its devices meanwhile.
 */
export class RegistrationPipeline {
  /** deviceRefKey → the device's latest change not yet confirmed. */
  private readonly pending = new Map<string, Op>();
  private readonly loop: FlushLoop;
  private readonly flushDelayMs: number;
  private readonly maxBatch: number;

  constructor(
    private readonly registry: RegistryClient,
    private readonly logger: Logger,
    private readonly opts: RegistrationPipelineOptions = {},
  ) {
    this.flushDelayMs = opts.flushDelayMs ?? 5;
    this.maxBatch = opts.maxBatch ?? 500;
    this.loop = new FlushLoop(
      () => this.sendBatch(),
      () => this.pending.size,
      opts,
    );
  }

  /** Changes not yet confirmed by the registry. */
  get backlog(): number {
    return this.pending.size;
  }

  register(registration: Registration): void {
    this.pending.set(deviceRefKey(registration), { kind: 'register', registration });
    this.loop.schedule(this.flushDelayMs);
  }

  deregister(device: DeviceRef, connectionId: string): void {
    const key = deviceRefKey(device);
    const queued = this.pending.get(key);
    if (queued?.kind === 'register' && queued.registration.connectionId !== connectionId) {
      return; // a newer connection's registration is queued; it supersedes this one.
    }
    this.pending.set(key, { kind: 'deregister', item: { accountId: device.accountId, deviceId: device.deviceId, connectionId } });
    this.loop.schedule(this.flushDelayMs);
  }

  /** The registry answers again (the lease was renewed after an outage): send the backlog now, not after the backoff. */
  resume(): void {
    this.loop.retryNow();
  }

  /** Sends everything queued now (one batch); resolves when the registry accepted it or the attempt failed. */
  flush(): Promise<void> {
    return this.loop.flush();
  }

  /** Stops the timer after a last attempt for every batch still queued. */
  close(): Promise<void> {
    return this.loop.close();
  }

  private async sendBatch(): Promise<boolean> {
    const registers: Registration[] = [];
    const deregisters: DeregisterItem[] = [];
    const taken = new Map<string, Op>();
    for (const [key, op] of this.pending) {
      if (registers.length + deregisters.length >= this.maxBatch) break;
      taken.set(key, op);
      if (op.kind === 'register') registers.push(op.registration);
      else deregisters.push(op.item);
    }
    for (const key of taken.keys()) this.pending.delete(key);
    let ok = true;
    const call = { timeoutMs: this.opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS };
    await Promise.all([
      registers.length &&
        this.registry.register(registers, call).then(
          (results) => this.confirmed(registers, results),
          (err) => {
            ok = false;
            this.opts.onError?.('register', err);
            this.requeue(taken, 'register');
            this.logger.warn({ err, count: registers.length }, 'registry register failed; will retry');
          },
        ),
      deregisters.length &&
        this.registry.deregister(deregisters, call).catch((err) => {
          ok = false;
          this.opts.onError?.('deregister', err);
          this.requeue(taken, 'deregister');
          this.logger.warn({ err, count: deregisters.length }, 'registry deregister failed; will retry');
        }),
    ]);
    return ok;
  }

  private confirmed(registers: Registration[], results: RegisterResult[]): void {
    if (!this.opts.onRegistered) return;
    // One result per registration, in order (the RegistryClient contract).
    const registered = registers.filter((_, i) => results[i]?.outcome === 'registered');
    if (registered.length) this.opts.onRegistered(registered);
  }

  /** Puts failed ops back unless a newer change for the same device arrived meanwhile. */
  private requeue(taken: Map<string, Op>, kind: Op['kind']): void {
    for (const [key, op] of taken) {
      if (op.kind === kind && !this.pending.has(key)) this.pending.set(key, op);
    }
  }
}
