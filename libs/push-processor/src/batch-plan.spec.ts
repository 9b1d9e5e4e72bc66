import type { ConsumedRecord } from '@pushwire/event-bus';
import { deviceRefKey, Topics, type PushRequestRecord } from '@pushwire/protocol';
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
/** The record key of device `deviceId` of account a1 (or `accountId`). */
const key = (deviceId: string, accountId = 'a1') => deviceRefKey({ accountId, deviceId });
const request = (deviceId: string, id: string, over: Partial<PushRequestRecord> = {}): PushRequestRecord => ({
  v: 1,
  target: { accountId: 'a1', deviceId },
  message: { id, payload: { n: id } },
  enqueuedAt: 1_700_000_000_000,
  ...over,
});

describe('planBatch', () => {
  it('groups requests per target in offset order', () => {
    const plan = planBatch([
      record(key('tv1'), request('tv1', 'a')),
      record(key('tv2'), request('tv2', 'b')),
      record(key('tv1'), request('tv1', 'c')),
    ]);
    expect(plan.invalid).toEqual([]);
    expect([...plan.byTarget.keys()]).toEqual([key('tv1'), key('tv2')]);
    expect(plan.byTarget.get(key('tv1'))!.map((p) => p.request.message.id)).toEqual(['a', 'c']);
  });

  it('sets aside invalid records with a reason: not JSON, wrong shape, key not the target', () => {
    const plan = planBatch([
      record(key('tv1'), '{oops'),
      record(key('tv1'), { v: 1, target: { accountId: 'a1', deviceId: 'tv1' } }),
      record(key('tv9'), request('tv1', 'x')),
      record(null, request('tv1', 'y')),
      record('tv1', request('tv1', 'z')), // the device id alone, as records were keyed before accounts scoped devices
      record(key('tv1'), { ...request('tv1', 'w'), target: { deviceId: 'tv1' } }), // a target without its account
    ]);
    expect(plan.byTarget.size).toBe(0);
    expect(plan.invalid.map((i) => i.detail)).toEqual([
      expect.stringContaining('not JSON'),
      expect.stringContaining('message'),
      expect.stringContaining("is not the target device's key"),
      expect.stringContaining('null'),
      expect.stringContaining("is not the target device's key"),
      expect.stringContaining('/target/accountId'),
    ]);
  });

  it('of requests with one collapse key, keeps only the newest; other keys and keyless ones are untouched', () => {
    const plan = planBatch([
      record(key('tv1'), request('tv1', 'score-1', { collapseKey: 'score' })),
      record(key('tv1'), request('tv1', 'chat-1')),
      record(key('tv1'), request('tv1', 'score-2', { collapseKey: 'score' })),
      record(key('tv1'), request('tv1', 'profile-1', { collapseKey: 'profile' })),
      record(key('tv1'), request('tv1', 'score-3', { collapseKey: 'score' })),
    ]);
    expect(plan.byTarget.get(key('tv1'))!.map((p) => [p.request.message.id, p.collapsedBy ?? null])).toEqual([
      ['score-1', 'score-3'],
      ['chat-1', null],
      ['score-2', 'score-3'],
      ['profile-1', null],
      ['score-3', null],
    ]);
  });

  it("keeps two accounts' devices of the same id apart: separate targets, and one's collapse key never collapses the other's", () => {
    const theirs = (id: string) => ({ ...request('tv1', id, { collapseKey: 'score' }), target: { accountId: 'evil', deviceId: 'tv1' } });
    const plan = planBatch([
      record(key('tv1'), request('tv1', 'mine', { collapseKey: 'score' })),
      record(key('tv1', 'evil'), theirs('theirs')),
    ]);
    expect(plan.invalid).toEqual([]);
    expect([...plan.byTarget.keys()]).toEqual([key('tv1'), key('tv1', 'evil')]);
    expect([...plan.byTarget.values()].flat().map((p) => [p.request.message.id, p.collapsedBy ?? null])).toEqual([
      ['mine', null],
      ['theirs', null],
    ]);
  });
});
