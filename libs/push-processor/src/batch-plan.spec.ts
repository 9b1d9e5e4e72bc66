import type { ConsumedRecord } from '@pushwire/event-bus';
import { Topics, type PushRequestRecord } from '@pushwire/protocol';
import { planBatch } from './batch-plan';

let offset = 0;
const record = (key: string | null, value: unknown): ConsumedRecord => ({
  topic: Topics.pushRequests.normal,
  partition: 0,
  offset: String(offset++),
  key,
  value: typeof value === 'string' ? value : JSON.stringify(value),
  headers: {},
  timestamp: 0,
});
const request = (deviceId: string, id: string, over: Partial<PushRequestRecord> = {}): PushRequestRecord => ({
  v: 1,
  target: { deviceId },
  message: { id, payload: { n: id } },
  enqueuedAt: 1_700_000_000_000,
  ...over,
});

describe('planBatch', () => {
  it('groups requests per target in offset order', () => {
    const plan = planBatch([record('tv1', request('tv1', 'a')), record('tv2', request('tv2', 'b')), record('tv1', request('tv1', 'c'))]);
    expect(plan.invalid).toEqual([]);
    expect([...plan.byTarget.keys()]).toEqual(['tv1', 'tv2']);
    expect(plan.byTarget.get('tv1')!.map((p) => p.request.message.id)).toEqual(['a', 'c']);
  });

  it('sets aside invalid records with a reason: not JSON, wrong shape, key not the target', () => {
    const plan = planBatch([
      record('tv1', '{oops'),
      record('tv1', { v: 1, target: { deviceId: 'tv1' } }),
      record('tv9', request('tv1', 'x')),
      record(null, request('tv1', 'y')),
    ]);
    expect(plan.byTarget.size).toBe(0);
    expect(plan.invalid.map((i) => i.detail)).toEqual([
      expect.stringContaining('not JSON'),
      expect.stringContaining('message'),
      expect.stringContaining('is not the target device id'),
      expect.stringContaining('null'),
    ]);
  });

  it('of requests with one collapse key, keeps only the newest; other keys and keyless ones are untouched', () => {
    const plan = planBatch([
      record('tv1', request('tv1', 'score-1', { collapseKey: 'score' })),
      record('tv1', request('tv1', 'chat-1')),
      record('tv1', request('tv1', 'score-2', { collapseKey: 'score' })),
      record('tv1', request('tv1', 'profile-1', { collapseKey: 'profile' })),
      record('tv1', request('tv1', 'score-3', { collapseKey: 'score' })),
    ]);
    expect(plan.byTarget.get('tv1')!.map((p) => [p.request.message.id, p.collapsedBy ?? null])).toEqual([
      ['score-1', 'score-3'],
      ['chat-1', null],
      ['score-2', 'score-3'],
      ['profile-1', null],
      ['score-3', null],
    ]);
  });
});
