import { EventBusError, type BatchHandler, type BusMessage, type SubscribeOptions, type TopicSpec } from './event-bus';

/** Default of `SubscribeOptions.maxBatchSize`. */
export const DEFAULT_MAX_BATCH_SIZE = 500;
/** Default of `SubscribeOptions.partitionsConcurrently`. */
export const DEFAULT_PARTITIONS_CONCURRENTLY = 1;

/** SubscribeOptions with every default filled in, checked once for both adapters. */
export interface ResolvedSubscribeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handler: BatchHandler;
  readonly fromBeginning: boolean;
  readonly partitionsConcurrently: number;
  readonly maxBatchSize: number;
}

const isPositiveInt = (n: number) => Number.isSafeInteger(n) && n >= 1;

/** The EventBusError for a call whose arguments no bus could accept: `invalid_request`, never retriable. */
export const invalidArgument = (message: string): EventBusError => new EventBusError(message, { code: 'invalid_request' });

/** Fills in the defaults; throws EventBusError naming the option that is wrong. */
export function resolveSubscribeOptions(opts: SubscribeOptions): ResolvedSubscribeOptions {
  const resolved = {
    groupId: opts.groupId,
    topics: [...new Set(opts.topics)],
    handler: opts.handler,
    fromBeginning: opts.fromBeginning ?? true,
    partitionsConcurrently: opts.partitionsConcurrently ?? DEFAULT_PARTITIONS_CONCURRENTLY,
    maxBatchSize: opts.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
  };
  if (typeof resolved.groupId !== 'string' || !resolved.groupId) throw invalidArgument('subscribe: groupId must be a non-empty string');
  if (resolved.topics.length === 0) throw invalidArgument(`subscribe (group ${resolved.groupId}): topics must name at least one topic`);
  if (typeof resolved.handler !== 'function') throw invalidArgument(`subscribe (group ${resolved.groupId}): handler must be a function`);
  for (const name of ['partitionsConcurrently', 'maxBatchSize'] as const) {
    if (!isPositiveInt(resolved[name]))
      throw invalidArgument(`subscribe (group ${resolved.groupId}): ${name} must be an integer ≥ 1, got ${resolved[name]}`);
  }
  return resolved;
}

/** Throws EventBusError for a spec no bus could create (empty name, partitions < 1, duplicate names). */
export function checkTopicSpecs(specs: readonly TopicSpec[]): void {
  const seen = new Set<string>();
  for (const spec of specs) {
    if (typeof spec.name !== 'string' || !spec.name) throw invalidArgument('ensureTopics: every topic needs a non-empty name');
    if (!isPositiveInt(spec.partitions))
      throw invalidArgument(`ensureTopics: topic ${spec.name} needs partitions ≥ 1, got ${spec.partitions}`);
    if (spec.replicationFactor !== undefined && !isPositiveInt(spec.replicationFactor)) {
      throw invalidArgument(`ensureTopics: topic ${spec.name} needs replicationFactor ≥ 1, got ${spec.replicationFactor}`);
    }
    if (seen.has(spec.name)) throw invalidArgument(`ensureTopics: topic ${spec.name} is listed twice`);
    seen.add(spec.name);
  }
}

/**
 * The error for a topic that exists with fewer partitions than asked for. Both adapters refuse it
 * rather than pass: a topic made by hand or by auto-creation (often 1 partition) silently caps the
 * consumers' parallelism. More partitions than asked is fine: that is how operators scale a topic.
 */
export function tooFewPartitions(name: string, existing: number, wanted: number): EventBusError {
  return invalidArgument(
    `ensureTopics: topic ${name} exists with ${existing} partition(s), fewer than the ${wanted} asked for; ` +
      'partitions are never added here (that would move keys to other partitions): add them deliberately or ask for fewer',
  );
}

/**
 * Throws EventBusError for a message without a string key or value. The types forbid it, but a
 * JavaScript caller or a cast could pass one, and Kafka would then pick a random partition.
 */
export function checkMessages(topic: string, messages: readonly BusMessage[]): void {
  messages.forEach((m, i) => {
    if (typeof m?.key !== 'string')
      throw invalidArgument(`publish to ${topic}: message ${i} has no string key (the key picks the partition)`);
    if (typeof m.value !== 'string') throw invalidArgument(`publish to ${topic}: message ${i} has no string value`);
  });
}
