import type { ConsumedRecord, EventLog } from '@pushwire/event-bus';
import { TOPIC_LOG } from '@pushwire/protocol';

/** Every record of the topic log so far, as an edge reading it from its start sees them (a tail from time 0, stopped once caught up). */
export async function topicLogRecords(log: EventLog): Promise<ConsumedRecord[]> {
  const seen: ConsumedRecord[] = [];
  const tail = await log.tail({ topic: TOPIC_LOG, sinceMs: 0, handler: (records) => void seen.push(...records) });
  await tail.caughtUp;
  await tail.stop();
  return seen;
}
