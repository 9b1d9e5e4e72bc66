import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { ConsumedRecord } from './event-bus';

/**
 * kafkajs headers as strings: Buffers decoded as UTF-8; a key a producer repeated (kafkajs gives an
 * array) keeps its last value, as Java's `Headers.lastHeader` reads it; absent values are dropped.
 */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) out[name] = value.toString();
  }
  return out;
}

/** A fetched message as a ConsumedRecord. A null value (a foreign producer's tombstone) reads as ''. */
export function toConsumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString(),
    value: message.value === null ? '' : message.value.toString(),
    headers: headersToStrings(message.headers),
    timestamp: Number(message.timestamp),
  };
}
