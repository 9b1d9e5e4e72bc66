import type { TopicPosition } from '@pushwire/protocol';

/** What a resubscribing device is owed. */
export interface Recovery {
  /** True when every message of the topic after `since` is in `frames` (or there were none). */
  readonly recovered: boolean;
  /** The `topic.message` frames after `since`, oldest first, as the text written to sockets. Empty when not recovered. */
  readonly frames: readonly string[];
}

/**
 * The edge's bounded memory of the topic log: per topic its recent messages (count, age and a
 * byte budget for the whole edge), and for each topic the offset from which what it holds is
 * complete. Filled by the topic feed, read by subscriptions.
 */
export interface TopicHistoryView {
  /** False until the feed has read the log up to where it was at the start (the history is loaded). */
  readonly ready: boolean;
  /** The log's epoch; empty until the feed started. */
  readonly epoch: string;
  /** Resolves once `ready`. */
  whenReady(): Promise<void>;
  /** The position a fresh subscriber of any topic starts from: the offset of the last record read, and the epoch. */
  position(): TopicPosition;
  /**
   * The topic's messages after `since`: `recovered: false` when the epoch differs, `since` is ahead
   * of the log (another log instance), or the history no longer reaches back to it.
   */
  recover(topic: string, since: TopicPosition): Recovery;
}

/** Bounds of a TopicHistory. */
export interface TopicHistoryLimits {
  /** Messages kept per topic (PUSHWIRE_TOPIC_HISTORY_MESSAGES). */
  readonly maxMessagesPerTopic: number;
  /** How long a message is kept at most, ms (PUSHWIRE_TOPIC_HISTORY_SECONDS); its own TTL may end it sooner. */
  readonly maxAgeMs: number;
  /** Frame bytes kept for all topics together (PUSHWIRE_TOPIC_HISTORY_MAX_BYTES). */
  readonly maxBytes: number;
  /** Topics remembered (PUSHWIRE_TOPIC_HISTORY_MAX_TOPICS); the least recently published is forgotten first. */
  readonly maxTopics: number;
  /** Clock, epoch ms. Default Date.now. */
  readonly now?: () => number;
}

/** Bookkeeping per kept message; frames are counted by their length (JSON of ASCII text: one byte a character). */
const ENTRY_OVERHEAD_BYTES = 64;

interface Entry {
  readonly topic: string;
  readonly offset: number;
  readonly frame: string;
  /** When the message's TTL ends (epoch ms): from then on it is owed to nobody. */
  readonly expiresAt: number;
  /** When it leaves the history at the latest (epoch ms): maxAge after the record was written. */
  readonly dropAt: number;
  removed: boolean;
}

interface TopicLog {
  /** Kept messages, oldest first. */
  readonly entries: Entry[];
  /** The first offset from which every message of the topic is in `entries` (or expired). */
  completeFrom: number;
}

/**
 * The edge's history of the topic log (docs/architecture.md, "Topics"). Gap detection is exact
 * because the log has one partition: offsets are one sequence for every topic, so "complete from
 * offset F" is one number per topic. A topic it has never seen a message of is complete from the
 * `floor`: where the feed started reading, raised when a topic with messages is forgotten. Every
 * eviction that could lose a message a device is still owed (count, bytes, age) raises the
 * topic's `completeFrom` past it, so a device whose `since` is older is told `recovered: false`
 * rather than handed a history with a hole; a message whose TTL has ended is owed to nobody and
 * leaves no gap.
 */
export class TopicHistory implements TopicHistoryView {
  private readonly topics = new Map<string, TopicLog>();
  /** Every kept entry in the order written (= offset order = age order); `head` skips the removed prefix. */
  private queue: Entry[] = [];
  private head = 0;
  private bytes = 0;
  private messages = 0;
  private floor = 1;
  private lastOffset = 0;
  private _epoch = '';
  private _ready = false;
  private resolveReady!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.resolveReady = resolve));
  private readonly now: () => number;

  constructor(private readonly limits: TopicHistoryLimits) {
    this.now = limits.now ?? Date.now;
  }

  get ready(): boolean {
    return this._ready;
  }

  get epoch(): string {
    return this._epoch;
  }

  /** Called by the feed before any record: the log's epoch, and the first offset it will read (1-based). */
  start(epoch: string, firstOffset: number): void {
    this._epoch = epoch;
    this.topics.clear();
    this.queue = [];
    this.head = 0;
    this.bytes = 0;
    this.messages = 0;
    this.floor = firstOffset;
    this.lastOffset = firstOffset - 1;
  }

  /** The feed has read what the log held when it started: subscriptions may be answered. */
  markReady(): void {
    this._ready = true;
    this.resolveReady();
  }

  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  /** A topic message at `offset` (read in offset order); `writtenAt` is when the record was written. */
  append(topic: string, offset: number, frame: string, expiresAt: number, writtenAt = this.now()): void {
    this.advance(offset);
    let log = this.topics.get(topic);
    if (log) {
      // Most recently published last: the first key is the one to forget when there are too many.
      this.topics.delete(topic);
    } else {
      log = { entries: [], completeFrom: this.floor };
    }
    this.topics.set(topic, log);
    const entry: Entry = { topic, offset, frame, expiresAt, dropAt: writtenAt + this.limits.maxAgeMs, removed: false };
    log.entries.push(entry);
    this.queue.push(entry);
    this.messages++;
    this.bytes += frame.length + ENTRY_OVERHEAD_BYTES;
    if (log.entries.length > this.limits.maxMessagesPerTopic) this.evict(log.entries[0]);
    while (this.bytes > this.limits.maxBytes && this.evictOldest());
    if (this.topics.size > this.limits.maxTopics) this.forgetLeastRecentTopic();
  }

  /** A record that is no topic message (a broadcast, an unreadable record): the position moves on. */
  advance(offset: number): void {
    if (offset > this.lastOffset) this.lastOffset = offset;
  }

  position(): TopicPosition {
    return { offset: this.lastOffset, epoch: this._epoch };
  }

  recover(topic: string, since: TopicPosition): Recovery {
    if (!this._ready || since.epoch !== this._epoch || since.offset > this.lastOffset) return NOT_RECOVERED;
    const log = this.topics.get(topic);
    if (since.offset + 1 < (log ? log.completeFrom : this.floor)) return NOT_RECOVERED;
    if (!log) return { recovered: true, frames: [] };
    const now = this.now();
    const frames: string[] = [];
    for (const e of log.entries) if (e.offset > since.offset && e.expiresAt > now) frames.push(e.frame);
    return { recovered: true, frames };
  }

  /** Drops messages past their age (the oldest are at the queue's head). The feed calls it every second. */
  prune(): void {
    const now = this.now();
    while (this.head < this.queue.length) {
      const e = this.queue[this.head];
      if (!e.removed && e.dropAt > now) break;
      if (!e.removed) this.evict(e);
      this.head++;
    }
    this.compact();
  }

  stats(): { topics: number; messages: number; bytes: number } {
    return { topics: this.topics.size, messages: this.messages, bytes: this.bytes };
  }

  /** Removes the oldest kept entry; false when there is none. */
  private evictOldest(): boolean {
    while (this.head < this.queue.length) {
      const e = this.queue[this.head++];
      if (!e.removed) {
        this.evict(e);
        this.compact();
        return true;
      }
    }
    return false;
  }

  /** Removes the oldest entry of its topic; unless its TTL had ended, the topic's history now starts after it. */
  private evict(e: Entry): void {
    const log = this.topics.get(e.topic);
    if (!log || log.entries[0] !== e) return;
    log.entries.shift();
    e.removed = true;
    this.messages--;
    this.bytes -= e.frame.length + ENTRY_OVERHEAD_BYTES;
    if (e.expiresAt > this.now()) log.completeFrom = Math.max(log.completeFrom, e.offset + 1);
  }

  /**
   * Forgets the least recently published topic. Without its record, the topic counts as complete
   * from the floor, so the floor rises past everything that topic could have lost.
   */
  private forgetLeastRecentTopic(): void {
    const [topic, log] = this.topics.entries().next().value as [string, TopicLog];
    const last = log.entries.at(-1);
    for (const e of [...log.entries]) this.evict(e);
    this.floor = Math.max(this.floor, log.completeFrom, last ? last.offset + 1 : 0);
    this.topics.delete(topic);
  }

  /** Keeps the queue's removed prefix from growing without bound. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

const NOT_RECOVERED: Recovery = Object.freeze({ recovered: false, frames: Object.freeze([]) as readonly string[] });
