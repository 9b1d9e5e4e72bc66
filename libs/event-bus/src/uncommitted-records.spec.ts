import type { ConsumedRecord } from './event-bus';
import { UncommittedRecords } from './uncommitted-records';

const record = (offset: number, value = `v${offset}`, timestamp = 1_000 + offset): ConsumedRecord => ({
  topic: 't',
  partition: 0,
  offset: String(offset),
  key: 'k',
  value,
  headers: {},
  timestamp,
});
const offsets = (records: readonly ConsumedRecord[]) => records.map((r) => r.offset);

describe('UncommittedRecords', () => {
  it('hands back every fetched record while no commit has failed', () => {
    const batch = [record(0), record(1)];
    expect(new UncommittedRecords().unhandled('t:0', batch)).toBe(batch);
  });

  it('skips the records of a chunk whose commit failed when they are fetched again, and only those', () => {
    const memory = new UncommittedRecords();
    memory.remember('t:0', [record(5), record(6)]);
    expect(offsets(memory.unhandled('t:0', [record(5), record(6), record(7)]))).toEqual(['7']);
    // Another partition's records at the same offsets are its own.
    expect(offsets(memory.unhandled('t:1', [record(5)]))).toEqual(['5']);
  });

  it('does not take a record of a re-created topic for the one that had its offset', () => {
    const memory = new UncommittedRecords();
    memory.remember('t:0', [record(0, 'old', 1_000)]);
    expect(offsets(memory.unhandled('t:0', [record(0, 'new', 9_000)]))).toEqual(['0']);
    expect(offsets(memory.unhandled('t:0', [record(0, 'other', 1_000)]))).toEqual(['0']);
  });

  it('forgets what a commit that went through covers', () => {
    const memory = new UncommittedRecords();
    memory.remember('t:0', [record(5), record(6), record(7)]);
    memory.committed('t:0', '6');
    expect(memory.count).toBe(1);
    expect(offsets(memory.unhandled('t:0', [record(6), record(7)]))).toEqual(['6']);
    memory.committed('t:0', '7');
    expect(memory.count).toBe(0);
  });

  it('stays within its bound by forgetting the oldest records of the partition holding the most', () => {
    const memory = new UncommittedRecords(3);
    memory.remember('t:1', [record(100)]);
    memory.remember('t:0', [record(1), record(2), record(3)]);
    expect(memory.count).toBe(3);
    expect(offsets(memory.unhandled('t:0', [record(1), record(2), record(3)]))).toEqual(['1']);
    expect(offsets(memory.unhandled('t:1', [record(100)]))).toEqual([]);
  });
});
