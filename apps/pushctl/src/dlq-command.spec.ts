import { MemoryEventBus } from '@pushwire/event-bus';
import { Inbox } from '@pushwire/event-bus/testing';
import { deviceRefKey, Topics, type DeadLetterRecord, type PushRequestRecord } from '@pushwire/protocol';
import { loadProcessorConfig, ProcessorService } from '@pushwire/push-processor';
import { silentLogger } from '@pushwire/service-kit';
import { lines, pushctl } from './testing/in-process';

/**
 * `pushctl dlq list|replay` against the real message processor (its HTTP API on a real port, over
 * the in-memory bus, as in `npm start`), dead letters written to its topic as the processor writes
 * them. What a replay puts back on the request topic is read by a group of this spec's own.
 */
const TOKEN = 'pushctl-dlq-token-0123456789';
const target = { accountId: 'a1', deviceId: 'tv-1' };
const request = (id: string): PushRequestRecord => ({
  v: 1,
  target,
  message: { id, payload: { id }, createdAt: Date.now() - 3_600_000, ttlSeconds: 60 },
  enqueuedAt: Date.now() - 3_600_000,
});
const letter = (offset: number, reason: DeadLetterRecord['reason'], messageId: string): DeadLetterRecord => ({
  v: 1,
  reason,
  detail: `scripted ${reason}`,
  source: { topic: Topics.pushRequests.high, partition: 0, offset: String(offset) },
  key: deviceRefKey(target),
  value: JSON.stringify(request(messageId)),
  failedAt: 1_750_000_000_000 + offset,
  messageId,
});

describe('pushctl dlq', () => {
  let service: ProcessorService;
  let bus: MemoryEventBus;
  let url: string;
  const requeued = new Inbox();
  const saved = process.env.PUSHWIRE_SENDER_TOKENS;

  beforeAll(async () => {
    process.env.PUSHWIRE_SENDER_TOKENS = TOKEN;
    bus = new MemoryEventBus();
    const config = loadProcessorConfig({}, { serviceToken: TOKEN, host: '127.0.0.1', port: 0 });
    service = new ProcessorService({ config, bus, logger: silentLogger() });
    url = `http://127.0.0.1:${await service.start()}`;
    await service.processor.stop(); // only its API here: nothing delivers what a replay requeues, this spec reads it
    const letters = [
      letter(7, 'expired_while_unavailable', 'm-1'),
      letter(8, 'invalid_record', 'm-2'),
      letter(9, 'expired_while_unavailable', 'm-3'),
    ];
    await bus.publish(
      Topics.pushDlq,
      letters.map((l) => ({ key: l.key ?? '', value: JSON.stringify(l) })),
    );
    await bus.subscribe({ groupId: 'pushctl-dlq-spec', topics: [Topics.pushRequests.high], handler: requeued.handler });
  });
  afterAll(async () => {
    await service.stop();
    await bus.close();
    if (saved === undefined) delete process.env.PUSHWIRE_SENDER_TOKENS;
    else process.env.PUSHWIRE_SENDER_TOKENS = saved;
  });

  it('lists dead letters as JSON lines, filtered by reason and message id', async () => {
    const all = await pushctl('dlq', 'list', '--processor', url);
    expect(all.code).toBe(0);
    expect(lines(all.stdout).map((l) => (l as DeadLetterRecord).messageId)).toEqual(['m-1', 'm-2', 'm-3']);
    expect(lines(all.stdout)[0]).toMatchObject({ partition: 0, offset: '0', reason: 'expired_while_unavailable', source: { offset: '7' } });
    expect(all.stderr).toContain('3 dead letter(s) of 3 record(s) read');

    const some = await pushctl('dlq', 'list', '--processor', url, '--reason', 'expired_while_unavailable', '--message-id', 'm-3,m-2');
    expect(lines(some.stdout).map((l) => (l as DeadLetterRecord).messageId)).toEqual(['m-3']);
  });

  it('replays selected dead letters with a fresh TTL after a dry run, and refuses a replay that names nothing', async () => {
    const dry = await pushctl('dlq', 'replay', '--processor', url, '--reason', 'expired_while_unavailable', '--ttl', '300', '--dry-run');
    expect(dry.code).toBe(0);
    expect(lines(dry.stdout)).toEqual([
      { would_replay: true, partition: 0, offset: '0', messageId: 'm-1', topic: Topics.pushRequests.high },
      { would_replay: true, partition: 0, offset: '2', messageId: 'm-3', topic: Topics.pushRequests.high },
    ]);

    const replay = await pushctl('dlq', 'replay', '--processor', url, '--message-id', 'm-1', '--ttl', '300');
    expect(replay.code).toBe(0);
    expect(replay.stderr).toContain('replayed 1, skipped 0');
    const [record] = await requeued.until(1);
    expect(record!.key).toBe(deviceRefKey(target));
    expect(JSON.parse(record!.value)).toMatchObject({ target, message: { id: 'm-1', ttlSeconds: 300 } });
    expect(requeued.records).toHaveLength(1); // the dry run put nothing back

    const none = await pushctl('dlq', 'replay', '--processor', url);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('name what to replay');
    expect((await pushctl('dlq', 'purge')).code).toBe(64);
    expect((await pushctl('dlq', 'list', '--reason', 'bogus')).code).toBe(64);
  });
});
