/**
 * Resolves once every partition's handed-over position reached the end it had when the tail
 * started. Shared by both adapters: each calls `handed` after a partition's batch was handled.
 */
export class CatchUp {
  readonly done: Promise<void>;
  private resolve!: () => void;
  private readonly behind = new Map<number, bigint>();

  /** @param ends per partition, the offset the next record would get when the tail started */
  constructor(starts: ReadonlyMap<number, string>, ends: ReadonlyMap<number, string>) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
    for (const [partition, end] of ends) {
      if (BigInt(starts.get(partition) ?? end) < BigInt(end)) this.behind.set(partition, BigInt(end));
    }
    if (this.behind.size === 0) this.resolve();
  }

  /** `nextOffset`: the offset after the last record of `partition` handed over (or skipped). */
  handed(partition: number, nextOffset: bigint): void {
    const end = this.behind.get(partition);
    if (end === undefined || nextOffset < end) return;
    this.behind.delete(partition);
    if (this.behind.size === 0) this.resolve();
  }
}
