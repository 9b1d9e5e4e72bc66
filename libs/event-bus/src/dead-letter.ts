import type { DeadLetterRecord } from '@pushwire/protocol';
import type { ConsumedRecord } from './event-bus';

/** A dead-letter record for a consumed record: the original key and value verbatim, where it came from, and why. */
export function deadLetterOf(
  record: ConsumedRecord,
  reason: DeadLetterRecord['reason'],
  detail: string,
  failedAt: number,
  extra: Partial<Pick<DeadLetterRecord, 'messageId' | 'attempts'>> = {},
): DeadLetterRecord {
  return {
    v: 1,
    reason,
    detail: detail.slice(0, 4000),
    source: { topic: record.topic, partition: record.partition, offset: record.offset },
    key: record.key,
    value: record.value,
    failedAt,
    ...extra,
  };
}
