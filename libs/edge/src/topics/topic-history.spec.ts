import fc from 'fast-check';
import { TopicHistory, type TopicHistoryLimits } from './topic-history';

const T0 = 1_700_000_000_000;
const LONG = 3_600_000;

function history(limits: Partial<TopicHistoryLimits> = {}, clock = { now: T0 }) {
  const h = new TopicHistory({
    maxMessagesPerTopic: 100,
    maxAgeMs: 300_000,
    maxBytes: 1 << 20,
    maxTopics: 1000,
    now: () => clock.now,
    ...limits,
  });
  h.start('e1', 11);
  h.markReady();
  return h;
}

const frame = (topic: string, offset: number) => `{"type":"topic.message","topic":"${topic}","offset":${offset}}`;

describe('TopicHistory', () => {
  it('answers a fresh subscriber with the last offset read and the epoch', () => {
    const h = history();
    expect(h.position()).toEqual({ offset: 10, epoch: 'e1' });
    h.append('live:m1', 11, frame('live:m1', 11), T0 + LONG);
    h.advance(12);
    expect(h.position()).toEqual({ offset: 12, epoch: 'e1' });
  });

  it('gives a device what it missed of its topic, in order, and nothing of other topics', () => {
    const h = history();
    h.append('live:m1', 11, frame('live:m1', 11), T0 + LONG);
    h.append('live:m2', 12, frame('live:m2', 12), T0 + LONG);
    h.append('live:m1', 13, frame('live:m1', 13), T0 + LONG);
    h.append('live:m1', 14, frame('live:m1', 14), T0 + LONG);
    expect(h.recover('live:m1', { offset: 11, epoch: 'e1' })).toEqual({
      recovered: true,
      frames: [frame('live:m1', 13), frame('live:m1', 14)],
    });
    expect(h.recover('live:m1', { offset: 14, epoch: 'e1' })).toEqual({ recovered: true, frames: [] });
    expect(h.recover('quiet', { offset: 10, epoch: 'e1' })).toEqual({ recovered: true, frames: [] });
  });

  it('says not recovered for another epoch, a position ahead of the log, or one before the edge started reading', () => {
    const h = history();
    h.append('live:m1', 11, frame('live:m1', 11), T0 + LONG);
    expect(h.recover('live:m1', { offset: 10, epoch: 'e0' }).recovered).toBe(false);
    expect(h.recover('live:m1', { offset: 99, epoch: 'e1' }).recovered).toBe(false);
    expect(h.recover('live:m1', { offset: 5, epoch: 'e1' }).recovered).toBe(false);
    expect(h.recover('other', { offset: 5, epoch: 'e1' }).recovered).toBe(false);
  });

  it('keeps the newest messages of a topic and is then complete only after the evicted ones', () => {
    const h = history({ maxMessagesPerTopic: 2 });
    for (const o of [11, 12, 13]) h.append('t', o, frame('t', o), T0 + LONG);
    expect(h.recover('t', { offset: 10, epoch: 'e1' }).recovered).toBe(false);
    expect(h.recover('t', { offset: 11, epoch: 'e1' })).toEqual({ recovered: true, frames: [frame('t', 12), frame('t', 13)] });
  });

  it('drops messages by age, which is a gap, and skips expired ones, which is not', () => {
    const clock = { now: T0 };
    const h = history({ maxAgeMs: 10_000 }, clock);
    h.append('aged', 11, frame('aged', 11), T0 + LONG);
    h.append('ttl', 12, frame('ttl', 12), T0 + 1_000);
    h.append('ttl', 13, frame('ttl', 13), T0 + LONG);
    clock.now = T0 + 2_000;
    h.prune();
    expect(h.recover('ttl', { offset: 10, epoch: 'e1' })).toEqual({ recovered: true, frames: [frame('ttl', 13)] });
    clock.now = T0 + 10_000;
    h.prune();
    expect(h.recover('aged', { offset: 10, epoch: 'e1' }).recovered).toBe(false);
    expect(h.stats()).toEqual({ topics: 2, messages: 0, bytes: 0 });
  });

  it('keeps within its byte budget by dropping the oldest messages of any topic', () => {
    const big = 'x'.repeat(400);
    const h = history({ maxBytes: 1_000 });
    h.append('a', 11, big, T0 + LONG);
    h.append('b', 12, big, T0 + LONG);
    h.append('c', 13, big, T0 + LONG);
    expect(h.stats().bytes).toBeLessThanOrEqual(1_000);
    expect(h.recover('a', { offset: 10, epoch: 'e1' }).recovered).toBe(false);
    expect(h.recover('c', { offset: 10, epoch: 'e1' })).toEqual({ recovered: true, frames: [big] });
  });

  it('forgets the least recently published topic past the topic limit, and is then complete for unknown topics only after it', () => {
    const h = history({ maxTopics: 2 });
    h.append('a', 11, frame('a', 11), T0 + LONG);
    h.append('b', 12, frame('b', 12), T0 + LONG);
    h.append('a', 13, frame('a', 13), T0 + LONG);
    h.append('c', 14, frame('c', 14), T0 + LONG);
    expect(h.stats().topics).toBe(2);
    expect(h.recover('b', { offset: 10, epoch: 'e1' }).recovered).toBe(false);
    expect(h.recover('b', { offset: 12, epoch: 'e1' }).recovered).toBe(true);
    expect(h.recover('a', { offset: 10, epoch: 'e1' })).toEqual({ recovered: true, frames: [frame('a', 11), frame('a', 13)] });
  });

  it('is not ready until the feed says so, and tells waiters', async () => {
    const h = new TopicHistory({ maxMessagesPerTopic: 1, maxAgeMs: 1, maxBytes: 1, maxTopics: 1 });
    h.start('e1', 1);
    expect(h.ready).toBe(false);
    expect(h.recover('t', { offset: 0, epoch: 'e1' }).recovered).toBe(false);
    const waiting = h.whenReady();
    h.markReady();
    await expect(waiting).resolves.toBeUndefined();
    expect(h.ready).toBe(true);
  });

  it('never answers recovered with a message missing, whatever the limits evict', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('append' as const),
        topic: fc.constantFrom('a', 'b', 'c', 'd'),
        ttlMs: fc.integer({ min: 1, max: 50 }),
        size: fc.integer({ min: 1, max: 60 }),
      }),
      fc.record({ kind: fc.constant('advance' as const) }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 30 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        (ops, perTopic, maxTopics) => {
          const clock = { now: T0 };
          const h = history({ maxMessagesPerTopic: perTopic, maxAgeMs: 40, maxBytes: 400, maxTopics }, clock);
          const all: { topic: string; offset: number; frame: string; expiresAt: number }[] = [];
          let offset = 10;
          for (const o of ops) {
            if (o.kind === 'tick') {
              clock.now += o.ms;
              h.prune();
            } else if (o.kind === 'advance') h.advance(++offset);
            else {
              const m = {
                topic: o.topic,
                offset: ++offset,
                frame: `${o.topic}${offset}`.padEnd(o.size, '.'),
                expiresAt: clock.now + o.ttlMs,
              };
              all.push(m);
              h.append(m.topic, m.offset, m.frame, m.expiresAt);
            }
            for (const topic of ['a', 'b', 'c', 'd'])
              for (let since = 10; since <= offset; since++) {
                const r = h.recover(topic, { offset: since, epoch: 'e1' });
                if (!r.recovered) continue;
                const owed = all.filter((m) => m.topic === topic && m.offset > since && m.expiresAt > clock.now).map((m) => m.frame);
                expect(r.frames).toEqual(owed);
              }
          }
        },
      ),
    );
  });
});
