import { EventBusError, MemoryEventBus, type TopicSpec } from '@pushwire/event-bus';
import { PushwireError, TOPIC_LOG, topicEpochOf, type BroadcastRecord, type TopicPublishRecord } from '@pushwire/protocol';
import { createLogger } from '@pushwire/service-kit';
import { rejectionOf, waitFor } from '@pushwire/test-kit';
import type { TopicFanout } from './topic-fanout';
import { TopicFeed, type TopicFeedMetrics, type TopicRecordKind } from './topic-feed';
import { TopicHistory } from './topic-history';

const T0 = Date.UTC(2026, 0, 1);
const HISTORY_SECONDS = 300;

/** The local fan-out, recording what it was asked to write; each call "reaches" a fixed number of connections. */
class RecordingFanout implements TopicFanout {
  readonly published: Array<{ topic: string; frame: string }> = [];
  readonly broadcasts: Array<{ frame: string; deviceTypes: readonly string[] | undefined }> = [];
  publish(topic: string, frame: string): number {
    this.published.push({ topic, frame });
    return 2;
  }
  broadcast(frame: string, deviceTypes: readonly string[] | undefined): number {
    this.broadcasts.push({ frame, deviceTypes });
    return 5;
  }
}

class CountingMetrics implements TopicFeedMetrics {
  readonly read: Record<string, number> = {};
  readonly deliveries: Record<string, number> = {};
  messageRead(kind: TopicRecordKind | 'invalid'): void {
    this.read[kind] = (this.read[kind] ?? 0) + 1;
  }
  delivered(kind: TopicRecordKind, count: number): void {
    this.deliveries[kind] = (this.deliveries[kind] ?? 0) + count;
  }
}

describe('TopicFeed', () => {
  let clock: number;
  let bus: MemoryEventBus;
  let history: TopicHistory;
  let fanout: RecordingFanout;
  let metrics: CountingMetrics;
  let logLines: Array<{ level: number; msg: string; suppressed?: number }>;
  let feed: TopicFeed;
  let n = 0;

  const topicRecord = (topic: string, over: Partial<TopicPublishRecord> = {}): TopicPublishRecord => ({
    kind: 'topic',
    topic,
    id: `m${++n}`,
    payload: { n },
    priority: 'normal',
    sentAt: clock,
    ttlSeconds: 60,
    ...over,
  });
  const broadcastRecord = (over: Partial<BroadcastRecord> = {}): BroadcastRecord => ({
    kind: 'broadcast',
    id: `b${++n}`,
    payload: { n },
    sentAt: clock,
    ttlSeconds: 60,
    ...over,
  });
  const append = async (...records: Array<TopicPublishRecord | BroadcastRecord | string>) => {
    await bus.ensureTopics([{ name: TOPIC_LOG, partitions: 1 }]);
    return bus.append(
      TOPIC_LOG,
      records.map((r) =>
        typeof r === 'string' ? { key: 'junk', value: r } : { key: r.kind === 'topic' ? r.topic : '$broadcast', value: JSON.stringify(r) },
      ),
    );
  };
  const started = async () => {
    await feed.start();
    await history.whenReady();
  };
  const epoch = async () => topicEpochOf(await bus.logId());
  const frames = () => fanout.published.map((p) => JSON.parse(p.frame) as unknown);

  beforeEach(() => {
    clock = T0;
    bus = new MemoryEventBus({ now: () => clock });
    history = new TopicHistory({
      maxMessagesPerTopic: 100,
      maxAgeMs: HISTORY_SECONDS * 1000,
      maxBytes: 1 << 20,
      maxTopics: 100,
      now: () => clock,
    });
    fanout = new RecordingFanout();
    metrics = new CountingMetrics();
    logLines = [];
    const logger = createLogger('edge-test', 'info', { write: (line: string) => logLines.push(JSON.parse(line)) });
    feed = new TopicFeed({ log: bus, history, fanout, logger, metrics, historySeconds: HISTORY_SECONDS, now: () => clock });
  });
  afterEach(async () => {
    await feed.stop();
    await bus.close();
  });

  it('writes a message published after the start to the topic’s subscribers as one topic.message frame, and keeps it for recovery', async () => {
    await started();
    const record = topicRecord('live:m1', { payload: { score: '1-0' } });
    await append(record);

    await waitFor(() => fanout.published.length === 1, { what: 'the message to be fanned out' });
    const frame = {
      type: 'topic.message',
      topic: 'live:m1',
      id: record.id,
      offset: 1,
      epoch: await epoch(),
      payload: { score: '1-0' },
      sentAt: T0,
    };
    expect(fanout.published[0].topic).toBe('live:m1');
    expect(JSON.parse(fanout.published[0].frame)).toEqual(frame);
    expect(history.position()).toEqual({ offset: 1, epoch: await epoch() });
    expect(history.recover('live:m1', { offset: 0, epoch: await epoch() })).toEqual({
      recovered: true,
      frames: [fanout.published[0].frame],
    });
    expect(metrics.read).toEqual({ topic: 1 });
    expect(metrics.deliveries).toEqual({ topic: 2 });
  });

  it('loads what the log holds from historySeconds ago as history: recoverable, but not sent again', async () => {
    clock = T0 - (HISTORY_SECONDS + 100) * 1000;
    await append(topicRecord('live:m1', { ttlSeconds: 3600 })); // older than the history reaches
    clock = T0 - 10_000;
    await append(topicRecord('live:m1'), broadcastRecord(), topicRecord('live:m1'));
    clock = T0;

    await started();
    expect(history.ready).toBe(true);
    expect(fanout.published).toEqual([]);
    expect(fanout.broadcasts).toEqual([]);
    const e = await epoch();
    expect(history.position()).toEqual({ offset: 4, epoch: e });
    // Complete from the first record read (offset 2): a device that has offset 1 gets both messages.
    const recovered = history.recover('live:m1', { offset: 1, epoch: e });
    expect(recovered.recovered).toBe(true);
    expect(recovered.frames.map((f) => (JSON.parse(f) as { offset: number }).offset)).toEqual([2, 4]);
    // Before it: a gap the history cannot fill.
    expect(history.recover('live:m1', { offset: 0, epoch: e }).recovered).toBe(false);
    expect(metrics.read).toEqual({ topic: 2, broadcast: 1 });

    await append(topicRecord('live:m1'));
    await waitFor(() => fanout.published.length === 1, { what: 'the first live message' });
    expect(frames()).toEqual([expect.objectContaining({ offset: 5 })]);
  });

  it('writes a live broadcast to the connections of the device types it names; the position moves on', async () => {
    await started();
    const record = broadcastRecord({ deviceTypes: ['tv'], payload: { x: 1 } });
    await append(record, broadcastRecord());

    await waitFor(() => fanout.broadcasts.length === 2, { what: 'both broadcasts' });
    expect(JSON.parse(fanout.broadcasts[0].frame)).toEqual({ type: 'broadcast', id: record.id, payload: { x: 1 }, sentAt: T0 });
    expect(fanout.broadcasts.map((b) => b.deviceTypes)).toEqual([['tv'], undefined]);
    expect(history.position().offset).toBe(2);
    expect(metrics.deliveries).toEqual({ broadcast: 10 });
  });

  it('sends nothing whose TTL ended before it was read, and still moves the position past it', async () => {
    await started();
    await append(topicRecord('live:m1', { sentAt: T0 - 61_000 }), broadcastRecord({ sentAt: T0 - 61_000 }), topicRecord('live:m1'));

    await waitFor(() => fanout.published.length === 1, { what: 'the live message' });
    expect(frames()).toEqual([expect.objectContaining({ offset: 3 })]);
    expect(fanout.broadcasts).toEqual([]);
    expect(history.position().offset).toBe(3);
  });

  it('skips unreadable records (counted, logged at a bounded rate) and reads on', async () => {
    await started();
    const unreadable = Array.from({ length: 15 }, (_, i) => (i % 2 ? 'not json' : JSON.stringify({ kind: 'topic', topic: 'live:m1' })));
    await append(...unreadable, topicRecord('live:m1'));

    await waitFor(() => fanout.published.length === 1, { what: 'the valid message after the unreadable ones' });
    expect(frames()).toEqual([expect.objectContaining({ offset: 16 })]);
    expect(history.position().offset).toBe(16);
    expect(metrics.read).toEqual({ invalid: 15, topic: 1 });
    const warnings = logLines.filter((l) => l.msg === 'skipping an unreadable topic log record');
    expect(warnings.length).toBe(10);
    expect(warnings.every((w) => w.level === 40)).toBe(true);
  });

  it('refuses a topic log of more than one partition with invalid_config, naming the fix', async () => {
    await bus.ensureTopics([{ name: TOPIC_LOG, partitions: 3 }]);

    const error = await rejectionOf(feed.start(), PushwireError);
    expect(error).toMatchObject({ code: 'invalid_config', message: expect.stringContaining('recreate it with one partition') });
    expect(history.ready).toBe(false);
  });

  it('can be started again after a start failed on the bus', async () => {
    /** A bus that cannot be reached at first. */
    class FlakyBus extends MemoryEventBus {
      private failures = 1;
      override async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
        if (this.failures-- > 0) throw new EventBusError('brokers unreachable');
        return super.ensureTopics(specs);
      }
    }
    bus = new FlakyBus({ now: () => clock });
    const logger = createLogger('edge-test', 'silent');
    feed = new TopicFeed({ log: bus, history, fanout, logger, historySeconds: HISTORY_SECONDS, now: () => clock });

    expect(await rejectionOf(feed.start(), EventBusError)).toMatchObject({ message: 'brokers unreachable' });
    await started();
    await append(topicRecord('live:m1'));
    await waitFor(() => fanout.published.length === 1, { what: 'the message after the second start' });
  });

  it('drops history past its age every second', async () => {
    await started();
    await append(topicRecord('live:m1', { ttlSeconds: 3600 }));
    await waitFor(() => history.stats().messages === 1, { what: 'the message in the history' });

    clock += (HISTORY_SECONDS + 1) * 1000;
    await waitFor(() => history.stats().messages === 0, { what: 'the prune timer to drop the message', timeoutMs: 3_000 });
  });

  it('reads nothing more once stopped', async () => {
    await started();
    await feed.stop();
    await append(topicRecord('live:m1'));
    // A second reader of the same bus sees the record: the stopped feed had its chance.
    const seen = new Promise<void>((resolve) => void bus.tail({ topic: TOPIC_LOG, sinceMs: 0, handler: () => resolve() }));
    await seen;
    expect(fanout.published).toEqual([]);
    expect(history.position().offset).toBe(0);
  });
});
