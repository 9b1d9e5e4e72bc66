/**
 * Where the memory bus's idle workers wait for work: `wait()` is registered synchronously right
 * after a fruitless look, so a `wakeAll()` (an append, a rebalance, a stop) in between cannot be
 * missed; nothing polls.
 */
export class IdleWaiters {
  private waiting: Array<() => void> = [];

  /** Resolves at the next wakeAll(). */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  wakeAll(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
