import { Inbox } from '@pushwire/event-bus/testing';
import { deviceRefKey, Topics, type DeadLetterRecord, type PushOutcomeRecord, type PushRequestRecord } from '@pushwire/protocol';
import { waitFor } from '@pushwire/test-kit';
import { startTestService, stopTestService, type TestService } from '../testing/test-service';

// The dead-letter API as an operator meets it (what `pushctl dlq` calls): the real service on a
// real socket over the in-memory bus of `npm start`, dead letters written to its topic as the
// processor writes them. A replayed message goes back through the processor: here the registry is
// unreachable, so it ends in the (in-memory) inbox — a real outcome, from a real re-drive.

const TOKEN = 'processor-dlq-token-0123456789';
const target = { accountId: 'a1', deviceId: 'tv-1' };

const requestRecord = (id: string, createdAt: number, ttlSeconds?: number): PushRequestRecord => ({
  v: 1,
  target,
  message: { id, payload: { id }, createdAt, ...(ttlSeconds ? { ttlSeconds } : {}) },
  enqueuedAt: createdAt,
});

const letter = (reason: DeadLetterRecord['reason'], offset: number, value: string, messageId?: string): DeadLetterRecord => ({
  v: 1,
  reason,
  detail: `scripted ${reason}`,
  source: { topic: Topics.pushRequests.normal, partition: 0, offset: String(offset) },
  key: deviceRefKey(target),
  value,
  failedAt: 1_750_000_000_000 + offset,
  ...(messageId ? { messageId } : {}),
});

describe('GET /v1/dlq and POST /v1/dlq/replay', () => {
  let t: TestService;
  let baseUrl: string;
  const outcomes = new Inbox();
  const longAgo = Date.now() - 7_200_000;
  const expiredRequest = requestRecord('expired-1', longAgo, 60);
  const letters = [
    letter('invalid_record', 0, '{"v":1,"target":'),
    letter('expired_while_unavailable', 1, JSON.stringify(expiredRequest), 'expired-1'),
    letter('expired_while_unavailable', 2, JSON.stringify(requestRecord('expired-2', longAgo, 60)), 'expired-2'),
    letter('retries_exhausted', 3, JSON.stringify(requestRecord('old-1', Date.now())), 'old-1'),
    letter('expired_while_unavailable', 4, JSON.stringify(expiredRequest), 'expired-1'), // dead-lettered twice
  ];

  beforeAll(async () => {
    t = await startTestService(TOKEN);
    baseUrl = t.baseUrl;
    await t.bus.publish(Topics.pushDlq, [
      ...letters.map((l) => ({ key: l.key ?? '', value: JSON.stringify(l) })),
      { key: 'x', value: 'not a dead letter' },
    ]);
    await t.bus.subscribe({ groupId: 'dlq-spec-outcomes', topics: [Topics.pushOutcomes], handler: outcomes.handler });
  });
  afterAll(() => stopTestService(t));

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('lists dead letters the oldest first, by reason and by message id, with a limit, and says what it skipped', async () => {
    const all = await call('GET', '/v1/dlq');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ scanned: 6, unreadable: 1, complete: true, more: false });
    expect(all.body['entries'].map((e: { offset: string; record: DeadLetterRecord }) => [e.offset, e.record])).toEqual(
      letters.map((l, i) => [String(i), l]),
    );

    const expired = await call('GET', '/v1/dlq?reason=expired_while_unavailable&limit=2');
    expect(expired.body['entries'].map((e: { record: DeadLetterRecord }) => e.record.messageId)).toEqual(['expired-1', 'expired-2']);
    expect(expired.body['more']).toBe(true);

    const byId = await call('GET', '/v1/dlq?messageId=old-1,expired-2');
    expect(byId.body['entries'].map((e: { record: DeadLetterRecord }) => e.record.messageId)).toEqual(['expired-2', 'old-1']);

    expect((await call('GET', '/v1/dlq?reason=bogus')).status).toBe(400);
    expect((await call('GET', '/v1/dlq?limit=5000')).status).toBe(400);
    expect((await fetch(`${baseUrl}/v1/dlq`)).status).toBe(401);
  });

  it('replays selected dead letters to their topic: a dry run first, expired ones only with a fresh TTL, each message once', async () => {
    const dry = await call('POST', '/v1/dlq/replay', { reason: 'expired_while_unavailable', dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body['replayed']).toEqual([]);
    expect(dry.body['skipped'].map((s: { messageId: string; skipped: string }) => [s.messageId, s.skipped])).toEqual([
      ['expired-1', expect.stringContaining('TTL has ended')],
      ['expired-2', expect.stringContaining('TTL has ended')],
      ['expired-1', expect.stringContaining('TTL has ended')],
    ]);

    const before = Date.now();
    const replay = await call('POST', '/v1/dlq/replay', { messageId: ['expired-1', 'old-1'], ttlSeconds: 600 });
    expect(replay.body['replayed'].map((r: { messageId: string; topic: string }) => [r.messageId, r.topic])).toEqual([
      ['expired-1', Topics.pushRequests.normal],
      ['old-1', Topics.pushRequests.normal],
    ]);
    expect(replay.body['skipped']).toEqual([
      { partition: 0, offset: '4', messageId: 'expired-1', topic: Topics.pushRequests.normal, skipped: expect.stringContaining('already') },
    ]);

    // Back through the processor: no registry here, so both end in the inbox, with their fresh TTL.
    await waitFor(() => outcomes.records.length >= 2, { what: 'the outcomes of the replayed messages' });
    const got = outcomes.records.map((r) => JSON.parse(r.value) as PushOutcomeRecord);
    expect(got.map((o) => [o.messageId, o.status]).sort()).toEqual([
      ['expired-1', 'stored'],
      ['old-1', 'stored'],
    ]);
    expect(got.every((o) => o.enqueuedAt >= before)).toBe(true);
  });
});
