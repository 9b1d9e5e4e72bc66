import { MemoryGroup, type GroupMember } from './memory-group';
import { MemoryTopic, partitionOfKey } from './memory-topic';

const member = (topics = ['t'], fromBeginning = true): GroupMember & { wakes: number } => {
  const m = { topics, fromBeginning, wakes: 0, wake: () => void m.wakes++ };
  return m;
};

/** Topic 't' with `perPartition` records 'p<partition>-<i>' in each partition. */
function topicWith(partitions: number, perPartition: number): MemoryTopic {
  const topic = new MemoryTopic('t', partitions);
  for (let p = 0; p < partitions; p++) {
    let n = 0;
    while (partitionOfKey(`k${n}`, partitions) !== p) n++;
    topic.append(
      Array.from({ length: perPartition }, (_, i) => ({ key: `k${n}`, value: `p${p}-${i}` })),
      0,
    );
  }
  return topic;
}

/** A group 'g' on topicWith(partitions, perPartition) with one member, `a`, reading from the beginning. */
function groupWithMember(partitions: number, perPartition: number) {
  const topic = topicWith(partitions, perPartition);
  const group = new MemoryGroup('g', () => topic);
  const a = member();
  group.join(a);
  return { group, a };
}

describe('MemoryGroup', () => {
  it('shares partitions round robin and hands a moved partition to its new owner only once the old batch in hand is done', () => {
    const { group, a } = groupWithMember(2, 4);
    const first = group.claim(a, 2, 0)!;
    const held = group.claim(a, 2, 0)!;
    expect([first.partition, held.partition]).toEqual([0, 1]);
    group.complete(first);

    // b takes partition 1 (round robin: 0 → a, 1 → b), which a still holds.
    const b = member();
    group.join(b);
    expect(b.wakes).toBeGreaterThan(0);
    expect(group.claim(b, 2, 0)).toBeUndefined();
    expect(group.claim(a, 2, 0)?.records.map((r) => r.value)).toEqual(['p0-2', 'p0-3']);
    group.complete(held);
    expect(group.claim(b, 2, 0)?.records.map((r) => r.value)).toEqual(['p1-2', 'p1-3']);
  });

  it('hands a released batch out again only after its backoff, and commits nothing for it', () => {
    const { group, a } = groupWithMember(1, 3);
    const claim = group.claim(a, 10, 1_000)!;
    group.release(claim, 1_500);
    expect(group.claim(a, 10, 1_499)).toBeUndefined();
    expect(group.claim(a, 10, 1_500)?.records.map((r) => r.offset)).toEqual(['0', '1', '2']);
    expect(group.lag(['t'])).toEqual([{ topic: 't', partition: 0, lag: 3 }]);
  });

  it('ends a backoff when its timer fires, even if the clock has not quite reached the deadline yet', () => {
    const { group, a } = groupWithMember(1, 3);
    const claim = group.claim(a, 10, 1_000)!;
    group.release(claim, 1_500);
    const wakes = a.wakes;
    // Node timers run off the event loop's cached time: the timer may fire at 1_499 by Date.now().
    group.backoffOver(claim.key);
    expect(a.wakes).toBeGreaterThan(wakes);
    expect(group.claim(a, 10, 1_499)?.records.map((r) => r.offset)).toEqual(['0', '1', '2']);
  });

  it('keeps a start at new records once taken, also when the group empties (the Kafka bus commits it on joining)', () => {
    const topic = topicWith(1, 2);
    const group = new MemoryGroup('g', () => topic);
    const latest = member(['t'], false);
    group.join(latest);
    expect(group.claim(latest, 10, 0)).toBeUndefined(); // starts at the end: nothing yet
    expect(group.lag(['t'])).toEqual([{ topic: 't', partition: 0, lag: 0 }]);
    group.leave(latest);
    const again = member(['t'], true);
    group.join(again);
    expect(group.claim(again, 10, 0)).toBeUndefined();
  });

  it('forgets the start positions of a group that starts at the oldest record and committed nothing, once it is empty', () => {
    const topic = topicWith(1, 2);
    const group = new MemoryGroup('g', () => topic);
    const oldest = member(['t'], true);
    group.join(oldest);
    group.leave(oldest);
    const again = member(['t'], true);
    group.join(again);
    expect(group.claim(again, 10, 0)?.records).toHaveLength(2);
  });
});
