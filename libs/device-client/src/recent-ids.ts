/**
 * Remembers the last `capacity` message ids, so a push redelivered after a lost ack (or after a
 * reconnect) is not handed to the application twice. O(1) per id; a ring buffer evicts the oldest.
 */
export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array<string | undefined>(Math.max(0, capacity));
  }

  /** Records `id`; returns true if it was not among the remembered ids. */
  add(id: string): boolean {
    if (this.capacity <= 0) return true;
    if (this.ids.has(id)) return false;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.ids.delete(evicted);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.ids.add(id);
    return true;
  }

  /** Whether `id` is among the remembered ids. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** The remembered ids, oldest first (what `add` in this order rebuilds). */
  values(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.ring.length; i++) {
      const id = this.ring[(this.next + i) % this.ring.length];
      if (id !== undefined) out.push(id);
    }
    return out;
  }
}
