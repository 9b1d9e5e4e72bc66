import type { ConsumedRecord, EventBus, EventLog, Tail } from '@pushwire/event-bus';
import {
  parseJson,
  PushwireError,
  TOPIC_LOG,
  topicEpochOf,
  topicOffsetOfRecord,
  Validators,
  type TopicLogRecord,
} from '@pushwire/protocol';
import { LogThrottle, type Logger } from '@pushwire/service-kit';
import type { TopicFanout } from './topic-fanout';
import type { TopicHistory } from './topic-history';

/** The kinds of topic-log record: a topic message or a broadcast. */
export type TopicRecordKind = TopicLogRecord['kind'];

/** What the feed counts; the edge connects these hooks to its Prometheus counters. */
export interface TopicFeedMetrics {
  /** A record read from the log (history loaded at the start included); `invalid`: one that could not be read. */
  messageRead(kind: TopicRecordKind | 'invalid'): void;
  /** Frames written for one live record: the local subscribers (topic) or connections (broadcast) it reached. */
  delivered(kind: TopicRecordKind, count: number): void;
}

/** What a TopicFeed reads from and writes to. */
export interface TopicFeedOptions {
  /** The bus holding the topic log. */
  readonly log: EventBus & EventLog;
  readonly history: TopicHistory;
  readonly fanout: TopicFanout;
  readonly logger: Logger;
  readonly metrics?: TopicFeedMetrics;
  /** How far back the history is loaded at the start (PUSHWIRE_TOPIC_HISTORY_SECONDS). */
  readonly historySeconds: number;
  /** The log's bus topic. Default TOPIC_LOG; tests on a shared broker use one of their own. */
  readonly topic?: string;
  /** Clock, epoch ms. Default Date.now. */
  readonly now?: () => number;
}

/** How often the history drops messages past their age. */
const PRUNE_INTERVAL_MS = 1_000;

/**
 * An edge's reader of the topic log (docs/architecture.md, "Topics"): tails it from
 * `historySeconds` ago, so the records already in the log fill the history (recovery for devices
 * that were connected to another edge, or to this one before a restart) without being sent again,
 * and once caught up hands each new record to the local fan-out. The frame text is built once per
 * record and written as it is to every subscriber; each record is validated here, once.
 */
export class TopicFeed {
  private readonly now: () => number;
  private readonly topic: string;
  private readonly invalidLog = new LogThrottle();
  private readonly failureLog = new LogThrottle();
  private tail?: Tail;
  /** Records handed over before tail() resolved: read once the start offsets are known. */
  private early: ConsumedRecord[] | undefined = [];
  /** Bus offset from which records are live (appended after the start); the history before it. */
  private liveFrom = 0n;
  private epoch = '';
  private pruneTimer?: ReturnType<typeof setInterval>;
  private starting?: Promise<void>;
  private stopped = false;

  constructor(private readonly opts: TopicFeedOptions) {
    this.now = opts.now ?? Date.now;
    this.topic = opts.topic ?? TOPIC_LOG;
  }

  /**
   * Creates the log if missing (one partition), refuses a log of more partitions (invalid_config),
   * and starts the tail. Resolves once the tail runs, not when the history is loaded: that marks
   * the history ready by itself. After a failure, start() may be called again.
   */
  start(): Promise<void> {
    this.starting ??= this.startNow().catch((err: unknown) => {
      // A failed start (the bus unreachable) may be tried again.
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  /** Stops reading; the history keeps what it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pruneTimer);
    await this.starting?.catch(() => undefined);
    await this.tail?.stop();
  }

  private async startNow(): Promise<void> {
    const { log, history } = this.opts;
    this.early = [];
    await log.ensureTopics([{ name: this.topic, partitions: 1 }]);
    this.epoch = topicEpochOf(await log.logId());
    const tail = await log.tail({
      topic: this.topic,
      sinceMs: this.now() - this.opts.historySeconds * 1000,
      handler: (records) => this.onRecords(records),
    });
    if (tail.startOffsets.size !== 1 || this.stopped) {
      await tail.stop();
      if (this.stopped) return;
      throw new PushwireError(
        'invalid_config',
        `the topic log ${this.topic} has ${tail.startOffsets.size} partitions; topics need exactly one ` +
          '(one order and one offset space, so every edge detects gaps exactly): recreate it with one partition',
      );
    }
    this.tail = tail;
    this.liveFrom = BigInt(tail.endOffsets.get(0) ?? '0');
    history.start(this.epoch, topicOffsetOfRecord(tail.startOffsets.get(0) ?? '0'));
    const early = this.early ?? [];
    this.early = undefined;
    this.read(early);
    void tail.caughtUp.then(() => {
      if (this.stopped) return;
      history.markReady();
      this.opts.logger.info({ topic: this.topic, epoch: this.epoch, ...history.stats() }, 'topic history loaded');
    });
    this.pruneTimer = setInterval(() => history.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  private onRecords(records: readonly ConsumedRecord[]): void {
    if (this.early) this.early.push(...records);
    else this.read(records);
  }

  private read(records: readonly ConsumedRecord[]): void {
    for (const record of records) {
      try {
        this.readOne(record);
      } catch (err) {
        // A fault of the fan-out (a bug): the position moves on, the next record is read.
        this.opts.history.advance(topicOffsetOfRecord(record.offset));
        const line = this.failureLog.take();
        if (line) this.opts.logger.error({ err, offset: record.offset, ...line }, 'handling a topic log record failed');
      }
    }
  }

  private readOne(record: ConsumedRecord): void {
    const { history, fanout, metrics } = this.opts;
    const offset = topicOffsetOfRecord(record.offset);
    const parsed = this.parse(record);
    if (!parsed) {
      metrics?.messageRead('invalid');
      history.advance(offset);
      return;
    }
    metrics?.messageRead(parsed.kind);
    const expiresAt = parsed.sentAt + parsed.ttlSeconds * 1000;
    // Records that were in the log at the start are history only: devices got them then.
    const live = BigInt(record.offset) >= this.liveFrom && expiresAt > this.now();
    if (parsed.kind === 'topic') {
      const { topic, id, payload, sentAt } = parsed;
      const frame = JSON.stringify({ type: 'topic.message', topic, id, offset, epoch: this.epoch, payload, sentAt });
      history.append(topic, offset, frame, expiresAt, record.timestamp);
      if (!live) return;
      // Written before counting: with no metrics hook, `metrics?.delivered(…)` would skip its arguments.
      const reached = fanout.publish(topic, frame);
      metrics?.delivered('topic', reached);
    } else {
      history.advance(offset);
      if (!live) return;
      const { id, payload, sentAt, deviceTypes } = parsed;
      const reached = fanout.broadcast(JSON.stringify({ type: 'broadcast', id, payload, sentAt }), deviceTypes);
      metrics?.delivered('broadcast', reached);
    }
  }

  /** The record, validated; undefined (and a throttled warning) for one no edge can read. */
  private parse(record: ConsumedRecord): TopicLogRecord | undefined {
    try {
      return Validators.topicLogRecord.decode(parseJson(record.value, 'topic log record'));
    } catch (err) {
      const line = this.invalidLog.take();
      if (line) this.opts.logger.warn({ err, offset: record.offset, key: record.key, ...line }, 'skipping an unreadable topic log record');
      return undefined;
    }
  }
}
