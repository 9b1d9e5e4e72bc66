import { Partitioners, type Admin, type Message, type PartitionMetadata, type RecordMetadata } from 'kafkajs';
import { EventBusError, type BusMessage, type RecordPosition } from './event-bus';

/** How long a topic's partition list is trusted before it is read again (Java's metadata.max.age is 5 min). */
const METADATA_MAX_AGE_MS = 60_000;

/**
 * Picks each appended message's partition before sending, so that EventLog.append can say where
 * each landed: Kafka answers one base offset per partition, and the messages of one partition get
 * consecutive offsets from it in the order sent. The partitioner is kafkajs' default (murmur2 of the
 * key, as publish uses), over the topic's partitions read with the admin client and cached for a
 * minute: partitions added meanwhile are used by appends within that minute.
 */
export class KafkaAppendPlanner {
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly metadata = new Map<string, { partitions: PartitionMetadata[]; readAt: number }>();

  constructor(private readonly admin: () => Promise<Admin>) {}

  /** The messages with their partitions set, as kafkajs sends them. */
  async plan(topic: string, messages: readonly BusMessage[]): Promise<Message[]> {
    const partitionMetadata = await this.partitionsOf(topic);
    return messages.map(({ key, value, headers }) => {
      const message = { key, value, headers: { ...headers } };
      return { ...message, partition: this.partitioner({ topic, partitionMetadata, message }) };
    });
  }

  private async partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const cached = this.metadata.get(topic);
    if (cached && Date.now() - cached.readAt < METADATA_MAX_AGE_MS) return cached.partitions;
    const admin = await this.admin();
    const [found] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    this.metadata.set(topic, { partitions: found.partitions, readAt: Date.now() });
    return found.partitions;
  }
}

/** Where each of the `sent` messages landed, in their order, from the per-partition base offsets Kafka answered. */
export function positionsOf(topic: string, sent: readonly Message[], answers: readonly RecordMetadata[]): RecordPosition[] {
  const next = new Map<number, bigint>();
  for (const { partition, baseOffset } of answers) if (baseOffset !== undefined) next.set(partition, BigInt(baseOffset));
  return sent.map(({ partition = -1 }) => {
    const offset = next.get(partition);
    // Not seen with acks=all; a broker answering without offsets cannot say where a record landed.
    if (offset === undefined) throw new EventBusError(`append to ${topic}: Kafka answered no base offset for partition ${partition}`);
    next.set(partition, offset + 1n);
    return { partition, offset: offset.toString() };
  });
}
