/**
 * Collects items added in the same tick (delayMs 0: flushed on setImmediate) or within `delayMs`,
 * and hands them over in one batch, so concurrent sends share one registry lookup and one request
 * per edge. A full batch (`maxItems`) is handed over at once rather than waiting.
 */
export class Coalescer<T> {
  private pending: T[] = [];
  private timer: NodeJS.Immediate | NodeJS.Timeout | undefined;

  constructor(
    private readonly delayMs: number,
    private readonly maxItems: number,
    private readonly onBatch: (items: T[]) => void,
  ) {}

  add(item: T): void {
    this.pending.push(item);
    if (this.pending.length >= this.maxItems) {
      this.flush();
    } else if (this.timer === undefined) {
      // Not unref'd on purpose: the timer stands for sends somebody awaits, so it must keep the
      // process alive until they are on the wire. It lives at most delayMs.
      this.timer = this.delayMs === 0 ? setImmediate(() => this.flush()) : setTimeout(() => this.flush(), this.delayMs);
    }
  }

  /** Hands over whatever is pending now (used by close()). */
  flush(): void {
    if (this.timer !== undefined) {
      if (this.delayMs === 0) clearImmediate(this.timer as NodeJS.Immediate);
      else clearTimeout(this.timer as NodeJS.Timeout);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    this.onBatch(items);
  }
}
