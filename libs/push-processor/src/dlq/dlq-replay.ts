import type { BusMessage, EventBus } from '@pushwire/event-bus';
import {
  Topics,
  Validators,
  type DlqEntry,
  type DlqReplayItem,
  type DlqReplayRequest,
  type DlqReplayResponse,
  type PushRequestRecord,
} from '@pushwire/protocol';
import { readDeadLetters, type ReadOptions } from './dead-letters';
import { decodeValue } from './decode-value';

const REQUEST_TOPICS = new Set<string>(Object.values(Topics.pushRequests));

/** What to do with one dead letter: publish this message to this topic, or skip it and why. */
type Plan = { readonly item: DlqReplayItem; readonly message?: BusMessage };

/**
 * Re-drives dead letters: each selected record goes back to the request topic it came from, keyed
 * as before, so it keeps its place in its target's order from now on. A record is replayed once
 * per call (the same message dead-lettered twice goes once). With `ttlSeconds`, a push request
 * starts a fresh TTL now; without it, one whose TTL has ended is skipped.
 */
export async function replayDeadLetters(
  bus: EventBus,
  request: DlqReplayRequest,
  opts: ReadOptions & { readonly now?: () => number } = {},
): Promise<DlqReplayResponse> {
  const scan = await readDeadLetters(bus, request, opts);
  const now = (opts.now ?? Date.now)();
  const seen = new Set<string>();
  const plans = scan.entries.map((entry) => planOne(entry, request.ttlSeconds, now, seen));
  const dryRun = request.dryRun ?? false;
  if (!dryRun) {
    const byTopic = new Map<string, BusMessage[]>();
    for (const { item, message } of plans) if (message) byTopic.set(item.topic, [...(byTopic.get(item.topic) ?? []), message]);
    for (const [topic, messages] of byTopic) await bus.publish(topic, messages);
  }
  return {
    dryRun,
    replayed: plans.filter((p) => p.message).map((p) => p.item),
    skipped: plans.filter((p) => !p.message).map((p) => p.item),
    complete: scan.complete,
    more: scan.more,
  };
}

function planOne(entry: DlqEntry, ttlSeconds: number | undefined, now: number, seen: Set<string>): Plan {
  const { record } = entry;
  const topic = record.source.topic;
  const item = { partition: entry.partition, offset: entry.offset, topic, ...(record.messageId ? { messageId: record.messageId } : {}) };
  const skip = (why: string): Plan => ({ item: { ...item, skipped: why } });
  if (!REQUEST_TOPICS.has(topic)) return skip(`its source topic ${topic} is not a push-request topic`);
  if (record.key === null) return skip('it has no record key (the key picks the partition, hence the order)');
  const identity = record.messageId ?? `${record.source.topic}/${record.source.partition}/${record.source.offset}`;
  if (seen.has(identity)) return skip('replayed already by this call (dead-lettered more than once)');
  const request = decodeValue(Validators.pushRequestRecord, record.value);
  let value = record.value;
  if (ttlSeconds !== undefined) {
    if (!request) return skip('it is no valid push request, so it can get no new TTL');
    value = JSON.stringify(withFreshTtl(request, ttlSeconds, now));
  } else if (request) {
    const ttl = request.message.ttlSeconds;
    const start = request.message.createdAt ?? request.enqueuedAt;
    if (ttl !== undefined && start + ttl * 1000 <= now) return skip('its TTL has ended; give a new one (ttlSeconds, pushctl --ttl)');
  }
  seen.add(identity);
  return { item, message: { key: record.key, value } };
}

/** The request with its TTL starting now: createdAt and enqueuedAt now, `ttlSeconds` as given. */
function withFreshTtl(request: PushRequestRecord, ttlSeconds: number, now: number): PushRequestRecord {
  return { ...request, enqueuedAt: now, message: { ...request.message, createdAt: now, ttlSeconds } };
}
