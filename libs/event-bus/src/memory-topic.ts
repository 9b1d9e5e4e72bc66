import type { BusMessage, ConsumedRecord, RecordPosition } from './event-bus';

/**
 * The partition of a key: FNV-1a (32 bit) over its UTF-8 bytes, modulo the partition count. Stable
 * across processes and runs, so a key always lands on the same partition of a topic and its records
 * stay in order. (Kafka's murmur2 places keys differently; nothing may depend on where a key lands.)
 */
export function partitionOfKey(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/**
 * A topic of the memory bus: one append-only array of records per partition; a record's offset is
 * its index. Records are frozen, because every group's handler receives the same objects.
 */
export class MemoryTopic {
  private readonly logs: ConsumedRecord[][];

  constructor(
    readonly name: string,
    partitions: number,
  ) {
    this.logs = Array.from({ length: partitions }, () => []);
  }

  get partitions(): number {
    return this.logs.length;
  }

  /** Offset the next record of `partition` will get (Kafka's log end offset). */
  endOffset(partition: number): number {
    return this.logs[partition]?.length ?? 0;
  }

  /** Up to `max` records of `partition` from offset `from` on. */
  read(partition: number, from: number, max: number): ConsumedRecord[] {
    return this.logs[partition]?.slice(from, from + max) ?? [];
  }

  /** Offset of the first record of `partition` appended at or after `sinceMs` (Kafka's offsetsForTimes); the end if none. */
  offsetForTime(partition: number, sinceMs: number): number {
    const log = this.logs[partition] ?? [];
    const found = log.findIndex((r) => r.timestamp >= sinceMs);
    return found < 0 ? log.length : found;
  }

  /** Appends the messages and says where each landed, in the order given. */
  append(messages: readonly BusMessage[], timestamp: number): RecordPosition[] {
    const positions: RecordPosition[] = [];
    for (const { key, value, headers } of messages) {
      const partition = partitionOfKey(key, this.logs.length);
      const log = this.logs[partition];
      log.push(
        Object.freeze({
          topic: this.name,
          partition,
          offset: String(log.length),
          key,
          value,
          headers: Object.freeze({ ...headers }),
          timestamp,
        }),
      );
      positions.push({ partition, offset: String(log.length - 1) });
    }
    return positions;
  }
}
