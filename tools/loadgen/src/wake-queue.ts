/** Something that waits for a moment (ms on the worker's clock), stored in its own `wakeAt` field. */
export interface Sleeper {
  wakeAt: number;
}

/**
 * A binary min-heap of sleepers by `wakeAt`: the one structure behind every pending reconnect of a
 * worker, drained by the worker's periodic tick. A timer per connection would cost a Timeout object
 * and a closure for each of 19,000 sockets; the heap costs one array slot.
 */
export class WakeQueue<T extends Sleeper> {
  private heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(item: T): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.wakeAt <= item.wakeAt) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = item;
  }

  /** Removes and returns the earliest sleeper whose time has come (`wakeAt <= now`), if any. */
  popDue(now: number): T | undefined {
    const h = this.heap;
    if (h.length === 0 || h[0]!.wakeAt > now) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const child = r < h.length && h[r]!.wakeAt < h[l]!.wakeAt ? r : l;
        if (h[child]!.wakeAt >= last.wakeAt) break;
        h[i] = h[child]!;
        i = child;
      }
      h[i] = last;
    }
    return top;
  }

  clear(): void {
    this.heap = [];
  }
}
