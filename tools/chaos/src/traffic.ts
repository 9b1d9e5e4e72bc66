import type { PushClient, SendOptions } from '@pushwire/push-client';
import type { Fleet } from './fleet';
import type { Ledger, PushPath } from './ledger';

/** The mix of messages each path sends. */
export interface TrafficMix {
  readonly directPerSecond: number;
  readonly queuedPerSecond: number;
  /** Share of messages that ask for an ack. */
  readonly ackShare: number;
  /** Share of messages with the short TTL (their expiry is legitimate); the rest get the long one. */
  readonly shortTtlShare: number;
  readonly shortTtlSeconds: number;
  readonly longTtlSeconds: number;
}

/** What traffic needs from the soak: where to send, who to send to, where to write it down. */
export interface TrafficDeps {
  /** Sends directly (registry + edges) and enqueues (its bus is the soak's own Kafka producer). */
  readonly sender: PushClient;
  readonly fleet: Fleet;
  readonly ledger: Ledger;
  readonly runId: string;
  /** The soak phase now: stamped on every message. */
  readonly phase: () => string;
  readonly random?: () => number;
}

/** Resolves once every promise settled, or after `ms`, whichever comes first. */
export async function settledWithin(promises: readonly Promise<unknown>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([Promise.allSettled(promises), timeout]);
  clearTimeout(timer);
}

/**
 * Direct and queued pushes at fixed rates (open loop: a slow cluster shows as late answers, never
 * as a lower rate), each written to the ledger before it leaves and answered into it. `stop()`
 * ends the pacing and waits for the sends under way (each is bounded by the client's timeouts).
 */
export class Traffic {
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private readonly sent: Record<PushPath, number> = { direct: 0, queued: 0 };
  private readonly random: () => number;

  constructor(
    private readonly mix: TrafficMix,
    private readonly deps: TrafficDeps,
  ) {
    this.random = deps.random ?? Math.random;
  }

  start(tickMs = 20): void {
    const startedAt = Date.now();
    // A ref'd timer on purpose: the traffic is the soak's work.
    this.timer = setInterval(() => {
      const elapsed = (Date.now() - startedAt) / 1000;
      this.catchUp('direct', Math.floor(elapsed * this.mix.directPerSecond));
      this.catchUp('queued', Math.floor(elapsed * this.mix.queuedPerSecond));
    }, tickMs);
  }

  /** Messages handed to the sender so far, per path. */
  counts(): Readonly<Record<PushPath, number>> {
    return this.sent;
  }

  /**
   * Stops pacing and waits up to `waitMs` for the sends under way to be answered; a send still
   * unanswered then stays so in the ledger (and fails the run as never answered).
   */
  async stop(waitMs = 0): Promise<void> {
    clearInterval(this.timer);
    await settledWithin([...this.inFlight], waitMs);
  }

  private catchUp(path: PushPath, due: number): void {
    while (this.sent[path] < due) this.track(this.sendOne(path, this.sent[path]++));
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async sendOne(path: PushPath, seq: number): Promise<void> {
    const { ledger, fleet, sender } = this.deps;
    const device = fleet.pick(this.random);
    const id = `${path === 'direct' ? 'd' : 'q'}-${this.deps.runId}-${seq}`;
    const ack = this.random() < this.mix.ackShare;
    const ttlSeconds = this.random() < this.mix.shortTtlShare ? this.mix.shortTtlSeconds : this.mix.longTtlSeconds;
    ledger.add({ id, path, target: device.key, sentAt: Date.now(), ttlSeconds, ack, phase: this.deps.phase() });
    const target = { accountId: device.accountId, deviceId: device.deviceId };
    const payload = { path, seq };
    try {
      if (path === 'direct') {
        const options: SendOptions = { id, ack, ttlSeconds, storeIfOffline: true };
        const result = await sender.send(target, payload, options);
        ledger.answer(id, result.status, Date.now());
      } else {
        await sender.enqueue(target, payload, { id, ack, ttlSeconds });
        ledger.answer(id, 'enqueued', Date.now());
      }
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'unknown';
      ledger.answer(id, path === 'direct' ? `error:${code}` : `enqueue_failed:${code}`, Date.now());
    }
  }
}
