import type { BatchHandler, ConsumedRecord } from '../event-bus';

/** A promise with its resolve and reject at hand: a gate a test opens. */
export class Deferred<T = void> {
  resolve!: (value: T) => void;
  reject!: (reason: unknown) => void;
  readonly promise = new Promise<T>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
}

/**
 * Resolves with `promise`, or with undefined after `ms` — whichever is first; the timer is cleared
 * either way, so a test leaves no timer behind.
 */
export async function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Collects what a subscription hands its handler, batch by batch, and lets a test await a count
 * of records without polling: `until(n)` resolves when the n-th record arrives.
 */
export class Inbox {
  readonly batches: ConsumedRecord[][] = [];
  private watchers: Array<{ n: number; resolve: () => void }> = [];

  /** A handler that stores every batch and resolves. */
  readonly handler: BatchHandler = async (records) => this.add(records);

  /** A handler whose downstream is down for its first `failures` batches (it rejects them), then stores every batch. */
  failingFirst(failures: number): BatchHandler {
    let failuresLeft = failures;
    return async (records) => {
      if (failuresLeft-- > 0) throw new Error('downstream down');
      this.add(records);
    };
  }

  get records(): ConsumedRecord[] {
    return this.batches.flat();
  }

  get values(): string[] {
    return this.records.map((r) => r.value);
  }

  add(records: readonly ConsumedRecord[]): void {
    this.batches.push([...records]);
    const count = this.records.length;
    this.watchers = this.watchers.filter((w) => (count >= w.n ? (w.resolve(), false) : true));
  }

  /** The records, once at least `n` arrived; rejects after `timeoutMs` saying how many came. */
  async until(n: number, timeoutMs = 15_000): Promise<ConsumedRecord[]> {
    if (this.records.length < n) {
      const arrived = new Deferred();
      this.watchers.push({ n, resolve: arrived.resolve });
      if (
        (await raceTimeout(
          arrived.promise.then(() => true),
          timeoutMs,
        )) !== true
      ) {
        throw new Error(`expected ${n} records within ${timeoutMs} ms, got ${this.records.length}: ${JSON.stringify(this.values)}`);
      }
    }
    return this.records;
  }
}

/** Counts the handler calls in progress: now, and the most at once. */
export function inHandCounter() {
  const count = { now: 0, most: 0 };
  return Object.assign(count, {
    async around(work: () => Promise<unknown>): Promise<void> {
      count.most = Math.max(count.most, ++count.now);
      try {
        await work();
      } finally {
        count.now--;
      }
    },
  });
}
