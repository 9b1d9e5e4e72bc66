import type { ConsumedRecord, Tail, TailOptions } from './event-bus';
import { CatchUp } from './catch-up';
import { IdleWaiters } from './idle-waiters';
import type { MemoryTopic } from './memory-topic';
import { TAIL_MAX_BATCH_SIZE, type TailRejectionListener } from './tail-options';

/**
 * A tail of a memory-bus topic: one worker reading every partition from its own positions (no
 * group, nothing committed), handing each partition's new records to the handler in order. An idle
 * worker waits on a promise that appends to the topic resolve: nothing polls.
 */
export class MemoryTail implements Tail {
  readonly startOffsets: ReadonlyMap<number, string>;
  readonly endOffsets: ReadonlyMap<number, string>;
  readonly caughtUp: Promise<void>;
  private readonly next: number[];
  private readonly catchUp: CatchUp;
  private running = true;
  private readonly idle = new IdleWaiters();
  private readonly worker: Promise<void>;
  private stopped?: Promise<void>;

  constructor(
    private readonly topic: MemoryTopic,
    private readonly opts: TailOptions,
    private readonly onRejected: TailRejectionListener,
    private readonly onStopped: (tail: MemoryTail) => void,
  ) {
    const partitions = Array.from({ length: topic.partitions }, (_, p) => p);
    this.next = partitions.map((p) => (opts.sinceMs === undefined ? topic.endOffset(p) : topic.offsetForTime(p, opts.sinceMs)));
    this.startOffsets = new Map(partitions.map((p) => [p, String(this.next[p])]));
    this.endOffsets = new Map(partitions.map((p) => [p, String(topic.endOffset(p))]));
    this.catchUp = new CatchUp(this.startOffsets, this.endOffsets);
    this.caughtUp = this.catchUp.done;
    // Not from inside the constructor: the handler may run before tail() resolves, never before it returns.
    this.worker = Promise.resolve().then(() => this.work());
  }

  get topicName(): string {
    return this.topic.name;
  }

  /** Called by the bus after an append to this tail's topic. */
  wake(): void {
    this.idle.wakeAll();
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.running = false;
      this.wake();
      await this.worker;
      this.onStopped(this);
    })();
    return this.stopped;
  }

  private async work(): Promise<void> {
    while (this.running) {
      let handed = false;
      for (let p = 0; p < this.next.length && this.running; p++) {
        const records = this.topic.read(p, this.next[p], TAIL_MAX_BATCH_SIZE);
        if (records.length === 0) continue;
        handed = true;
        this.next[p] += records.length;
        await this.hand(records);
        this.catchUp.handed(p, BigInt(this.next[p]));
      }
      // Registered synchronously after a fruitless pass, so no append in between can be missed.
      if (!handed && this.running) await this.idle.wait();
    }
  }

  private async hand(records: readonly ConsumedRecord[]): Promise<void> {
    try {
      await this.opts.handler(records);
    } catch (error) {
      const { topic, partition, offset } = records[0];
      this.onRejected({ topic, partition, firstOffset: offset, records: records.length, error });
    }
  }
}
