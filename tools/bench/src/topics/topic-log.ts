/**
 * How bench:topics publishes to Pushwire: one record per message appended to the topic log
 * (`pushwire.topic-messages`, one partition) on Kafka, exactly what PushClient.publish / broadcast
 * append (acks=all, idempotent producer), so the time from "append" to "device" is the whole path
 * a backend's publish takes. Every payload is `{"t": <epoch ms>}`, its send time, which the
 * load clients read (payloadSentAtOf). The peers get the same payloads over their control API.
 */
import { randomUUID } from 'node:crypto';
import { KafkaEventBus } from '@pushwire/event-bus';
import { epochNowMs } from '@pushwire/loadgen';
import { BROADCAST_RECORD_KEY, TOPIC_LOG, type BroadcastRecord, type TopicPublishRecord } from '@pushwire/protocol';

/** Long enough for any bench; short, so the edges' history lets go of the run's messages soon. */
const TTL_SECONDS = 60;

/** A run-unique prefix of message ids and topic names (letters and digits: valid in both). */
export const runTag = () => `b${randomUUID().replace(/-/g, '').slice(0, 10)}`;

export class TopicLogPublisher {
  private readonly bus: KafkaEventBus;
  private seq = 0;

  constructor(
    brokers: string,
    private readonly tag: string,
  ) {
    this.bus = new KafkaEventBus({ brokers: brokers.split(','), clientId: `bench-topics-${tag}` });
  }

  /** Creates the log (one partition) if no edge did yet; an existing log is left as it is. */
  async ensureLog(): Promise<void> {
    await this.bus.ensureTopics([{ name: TOPIC_LOG, partitions: 1 }]);
  }

  /** Appends a broadcast to every connected device; resolves (once stored) with the send time it carries. */
  async broadcast(): Promise<number> {
    const t = epochNowMs();
    const record: BroadcastRecord = {
      kind: 'broadcast',
      id: `${this.tag}-b${this.seq++}`,
      payload: { t },
      sentAt: Math.floor(t),
      ttlSeconds: TTL_SECONDS,
    };
    await this.bus.publish(TOPIC_LOG, [{ key: BROADCAST_RECORD_KEY, value: JSON.stringify(record) }]);
    return t;
  }

  /** Appends a message of `topic`; resolves once stored. */
  async publish(topic: string): Promise<void> {
    const t = epochNowMs();
    const record: TopicPublishRecord = {
      kind: 'topic',
      topic,
      id: `${this.tag}-m${this.seq++}`,
      payload: { t },
      priority: 'normal',
      sentAt: Math.floor(t),
      ttlSeconds: TTL_SECONDS,
    };
    await this.bus.publish(TOPIC_LOG, [{ key: topic, value: JSON.stringify(record) }]);
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}

/** The frame an edge writes for a broadcast of payload `{t}` (what the bare uWS peer publishes as is). */
export function broadcastFrameText(id: string): string {
  const t = epochNowMs();
  return JSON.stringify({ type: 'broadcast', id, payload: { t }, sentAt: Math.floor(t) });
}
