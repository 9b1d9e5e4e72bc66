import { randomUUID } from 'node:crypto';
import { checkMessages, checkTopicSpecs, resolveSubscribeOptions, tooFewPartitions } from './bus-options';
import {
  EventBusError,
  type BusMessage,
  type EventBus,
  type EventLog,
  type RecordPosition,
  type SubscribeOptions,
  type Subscription,
  type Tail,
  type TailOptions,
  type TopicSpec,
} from './event-bus';
import { MemoryGroup } from './memory-group';
import { MemorySubscription } from './memory-subscription';
import { MemoryTail } from './memory-tail';
import { MemoryTopic } from './memory-topic';
import type { HandlerRejectionListener, RedeliveryBackoffOptions } from './redelivery-backoff';
import { checkTailOptions, type TailRejectionListener } from './tail-options';

/** Options of MemoryEventBus. */
export interface MemoryEventBusOptions {
  /** Told of every handler rejection (the batch comes again after a backoff). Default: none. */
  onHandlerRejected?: HandlerRejectionListener;
  /** Delays before a rejected batch comes again. Default 100 ms doubling to 2 s, with jitter. */
  redeliveryBackoff?: RedeliveryBackoffOptions;
  /** Clock for record timestamps, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Told of every tail handler rejection (those records are skipped). Default: logged with console.error. */
  onTailRejected?: TailRejectionListener;
}

/** Without a listener, a tail's failure still shows (the memory bus has no logger of its own). */
const logTailRejection: TailRejectionListener = ({ topic, partition, firstOffset, records, error }) =>
  console.error(
    `event-bus: a tail handler of ${topic} [${partition}] failed on ${records} record(s) from offset ${firstOffset}; skipped`,
    error,
  );

/**
 * EventBus in process memory, for `npm start` and unit tests, with Kafka's semantics: keyed
 * partitions, per-partition order, consumer groups with committed offsets, at-least-once delivery
 * with redelivery after a backoff, rebalancing between members of a group, lag.
 *
 * Memory is not bounded: like a Kafka log without retention, every published record is kept until
 * the bus is garbage, whether consumed or not (about the size of its key, value and headers plus
 * ~200 bytes). Fine for a development process and tests; not a production queue.
 *
 * As an EventLog, its log id is random per bus: every reader of one process shares the bus, and a
 * restarted process is another log (its offsets start again at 0).
 */
export class MemoryEventBus implements EventBus, EventLog {
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly subscriptions = new Set<MemorySubscription>();
  private readonly tails = new Set<MemoryTail>();
  private readonly id = `memory-${randomUUID()}`;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: MemoryEventBusOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    this.assertOpen('ensureTopics');
    checkTopicSpecs(specs);
    for (const spec of specs) {
      const existing = this.topics.get(spec.name);
      if (existing && existing.partitions < spec.partitions) throw tooFewPartitions(spec.name, existing.partitions, spec.partitions);
    }
    for (const spec of specs) if (!this.topics.has(spec.name)) this.topics.set(spec.name, new MemoryTopic(spec.name, spec.partitions));
  }

  async publish(topic: string, messages: readonly BusMessage[]): Promise<void> {
    this.assertOpen('publish');
    this.appendNow(topic, messages, 'publish to');
  }

  async logId(): Promise<string> {
    return this.id;
  }

  async append(topic: string, messages: readonly BusMessage[]): Promise<RecordPosition[]> {
    this.assertOpen('append');
    return this.appendNow(topic, messages, 'append to');
  }

  async tail(opts: TailOptions): Promise<Tail> {
    this.assertOpen('tail');
    checkTailOptions(opts);
    const topic = this.existingTopic(opts.topic, 'tail');
    const tail = new MemoryTail(topic, opts, this.opts.onTailRejected ?? logTailRejection, (t) => this.tails.delete(t));
    this.tails.add(tail);
    return tail;
  }

  async subscribe(opts: SubscribeOptions): Promise<Subscription> {
    this.assertOpen('subscribe');
    const resolved = resolveSubscribeOptions(opts);
    for (const topic of resolved.topics) this.existingTopic(topic, `subscribe (group ${resolved.groupId}) to`);
    let group = this.groups.get(resolved.groupId);
    if (!group) {
      // Groups outlive their members: their committed offsets are where the next member resumes.
      group = new MemoryGroup(resolved.groupId, (name) => this.existingTopic(name, 'read'));
      this.groups.set(resolved.groupId, group);
    }
    const sub = new MemorySubscription(resolved, group, this.opts, (s) => this.subscriptions.delete(s));
    this.subscriptions.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...[...this.subscriptions].map((s) => s.stop()), ...[...this.tails].map((t) => t.stop())]);
  }

  private appendNow(topic: string, messages: readonly BusMessage[], action: string): RecordPosition[] {
    const target = this.existingTopic(topic, action);
    checkMessages(topic, messages);
    if (messages.length === 0) return [];
    const positions = target.append(messages, this.now());
    for (const group of this.groups.values()) group.wakeReadersOf(topic);
    for (const tail of this.tails) if (tail.topicName === topic) tail.wake();
    return positions;
  }

  private existingTopic(name: string, action: string): MemoryTopic {
    const topic = this.topics.get(name);
    // As Kafka with auto-creation off: a typo in a topic name fails loudly instead of making a topic.
    if (!topic) throw new EventBusError(`${action} topic ${name}: no such topic (create it with ensureTopics)`);
    return topic;
  }

  private assertOpen(action: string): void {
    if (this.closed) throw new EventBusError(`${action}: the memory event bus is closed`);
  }
}
