import type { PushClient } from '@pushwire/push-client';
import type { FleetDevice } from './fleet';
import type { PushPath } from './ledger';
import { settledWithin } from './traffic';

/** One probe: a push on one path to every probe device, and whether each arrived. */
export interface ProbeResult {
  readonly path: PushPath;
  readonly launchedAt: number;
  readonly doneAt: number;
  readonly ok: boolean;
}

export interface ProberOptions {
  readonly sender: PushClient;
  /** Devices only the prober pushes to, one preferring each edge. */
  readonly devices: readonly FleetDevice[];
  readonly runId: string;
  readonly intervalMs: number;
  /** How long a queued probe may take end to end. */
  readonly queuedWaitMs: number;
  /** How long a delivered direct probe may take to show up at the app. */
  readonly directWaitMs: number;
}

/**
 * Probes both paths every `intervalMs` for the whole soak: a direct push answered `delivered` and
 * seen by the app on every probe device, and a queued push seen by the app on every probe device.
 * Recovery after a fault is read off the results: the first probe launched after the fault that
 * succeeded, on each path.
 */
export class Prober {
  readonly results: ProbeResult[] = [];
  private readonly waiting = new Map<string, () => void>();
  private readonly arrived = new Set<string>();
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private seq = 0;

  constructor(private readonly opts: ProberOptions) {}

  /** The app of a probe device got a push (wire this to the probe fleet's onPush). */
  onPush(messageId: string): void {
    this.arrived.add(messageId);
    this.waiting.get(messageId)?.();
  }

  start(): void {
    this.timer = setInterval(() => {
      for (const path of ['direct', 'queued'] as const) {
        const p = this.probe(path, this.seq++);
        this.inFlight.add(p);
        void p.finally(() => this.inFlight.delete(p));
      }
    }, this.opts.intervalMs);
  }

  /** Stops launching probes and waits up to `waitMs` for those under way. */
  async stop(waitMs = 0): Promise<void> {
    clearInterval(this.timer);
    await settledWithin([...this.inFlight], waitMs);
  }

  /** Milliseconds from `since` to the end of the first successful `path` probe launched at or after it. */
  recoveredAfter(since: number, path: PushPath): number | undefined {
    const ok = this.results.filter((r) => r.path === path && r.ok && r.launchedAt >= since);
    return ok.length ? Math.min(...ok.map((r) => r.doneAt)) - since : undefined;
  }

  /** Failed `path` probes launched in [from, to). */
  failuresBetween(from: number, to: number, path: PushPath): number {
    return this.results.filter((r) => r.path === path && !r.ok && r.launchedAt >= from && r.launchedAt < to).length;
  }

  private async probe(path: PushPath, n: number): Promise<void> {
    const launchedAt = Date.now();
    const results = await Promise.all(
      this.opts.devices.map((device, i) => {
        const id = `p${path[0]}-${this.opts.runId}-${n}-${i}`;
        return path === 'direct' ? this.direct(device, id) : this.queued(device, id);
      }),
    );
    this.results.push({ path, launchedAt, doneAt: Date.now(), ok: results.every(Boolean) });
  }

  private async direct(device: FleetDevice, id: string): Promise<boolean> {
    const target = { accountId: device.accountId, deviceId: device.deviceId };
    try {
      const result = await this.opts.sender.send(target, { probe: id }, { id, ttlSeconds: 60 });
      return result.status === 'delivered' && (await this.arrival(id, this.opts.directWaitMs));
    } catch {
      return false;
    }
  }

  private async queued(device: FleetDevice, id: string): Promise<boolean> {
    const target = { accountId: device.accountId, deviceId: device.deviceId };
    const arrival = this.arrival(id, this.opts.queuedWaitMs);
    try {
      await this.opts.sender.enqueue(target, { probe: id }, { id, ttlSeconds: 60 });
    } catch {
      this.waiting.delete(id);
      return false;
    }
    return arrival;
  }

  /** Resolves true once the app got `id`, false after `timeoutMs`. */
  private arrival(id: string, timeoutMs: number): Promise<boolean> {
    if (this.arrived.has(id)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(false);
      }, timeoutMs);
      this.waiting.set(id, () => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(true);
      });
    });
  }
}
