import { equalJitterDelay } from '@pushwire/backoff';

/** What an adapter reports when a batch handler rejected and the batch will come again. */
export interface HandlerRejection {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** Offset of the first record of the rejected batch: the batch starts there again. */
  readonly firstOffset: string;
  readonly records: number;
  /** 1 for the first rejection in a row of this partition. */
  readonly attempt: number;
  /** How long until the batch comes again. */
  readonly delayMs: number;
  readonly error: unknown;
}

/**
 * Called by both adapters on every handler rejection: the bus retries the batch on its own, so
 * this is where the error becomes visible (log it, count it). Must not throw.
 */
export type HandlerRejectionListener = (rejection: HandlerRejection) => void;

export interface RedeliveryBackoffOptions {
  /** Delay after the first rejection in a row. Default 100 ms. */
  readonly initialMs?: number;
  /** Ceiling of the doubling delay. Default 2 000 ms. */
  readonly maxMs?: number;
  /** Source of jitter in [0, 1). Default Math.random. */
  readonly random?: () => number;
}

/**
 * Per-partition delays before a rejected batch comes again: 100 ms, doubling to 2 s, each with
 * "equal jitter" (between half and all of it), so a failing dependency is not hammered in lockstep
 * by every partition. A success resets the partition. Timers are unref'd (a pending retry does not
 * keep a process alive) and cancelled together when the subscription stops.
 */
export class RedeliveryBackoff {
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(opts: RedeliveryBackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 100;
    this.maxMs = opts.maxMs ?? 2_000;
    this.random = opts.random ?? Math.random;
  }

  /** Counts a rejection of `key`'s batch and calls `retry` after the delay; returns attempt and delay. */
  failed(key: string, retry: () => void): { attempt: number; delayMs: number } {
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempt);
    const delayMs = equalJitterDelay(attempt - 1, this.initialMs, this.maxMs, this.random);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      retry();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
    return { attempt, delayMs };
  }

  /** `key`'s batch went through: its next rejection starts from the initial delay again. */
  succeeded(key: string): void {
    this.failures.delete(key);
  }

  /** Drops every pending retry (the subscription is stopping). */
  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/** The key both adapters use for a partition in maps and backoffs. */
export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
