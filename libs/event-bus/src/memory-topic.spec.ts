import { MemoryTopic, partitionOfKey } from './memory-topic';

describe('partitionOfKey', () => {
  it('puts a key on the same partition every time, whatever its characters', () => {
    for (const key of ['device-1', 'acct:ünïcødé', '', '😀']) {
      expect(partitionOfKey(key, 12)).toBe(partitionOfKey(key, 12));
      expect(partitionOfKey(key, 12)).toBeGreaterThanOrEqual(0);
      expect(partitionOfKey(key, 12)).toBeLessThan(12);
    }
    // Pinned values: a change of hash would move keys between partitions of a running dev bus's topics.
    expect(['a', 'b', 'device-1'].map((k) => partitionOfKey(k, 8))).toEqual([4, 5, 1]); // FNV-1a('a') = 0xe40c292c, ('b') = 0xe70c2de5
  });

  it('spreads keys over every partition', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8_000; i++) counts[partitionOfKey(`device-${i}`, 8)]++;
    for (const n of counts) expect(n).toBeGreaterThan(800);
  });
});

describe('MemoryTopic', () => {
  it('appends with consecutive offsets per partition and hands out frozen records', () => {
    const topic = new MemoryTopic('t', 1);
    topic.append(
      [
        { key: 'k', value: 'a', headers: { h: '1' } },
        { key: 'k', value: 'b' },
      ],
      1_000,
    );
    const [a, b] = topic.read(0, 0, 10);
    expect([a.offset, b.offset, topic.endOffset(0)]).toEqual(['0', '1', 2]);
    expect(a).toEqual({ topic: 't', partition: 0, offset: '0', key: 'k', value: 'a', headers: { h: '1' }, timestamp: 1_000 });
    expect(Object.isFrozen(a) && Object.isFrozen(a.headers)).toBe(true);
    expect(topic.read(0, 1, 10)).toEqual([b]);
  });
});
