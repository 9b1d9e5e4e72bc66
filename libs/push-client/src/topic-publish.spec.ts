import { EventBusError, MemoryEventBus, type BusMessage, type EventBus, type RecordPosition } from '@pushwire/event-bus';
import {
  BROADCAST_RECORD_KEY,
  DEFAULT_TOPIC_TTL_SECONDS,
  MAX_MESSAGE_TTL_SECONDS,
  TOPIC_LOG,
  topicEpochOf,
  Validators,
} from '@pushwire/protocol';
import { waitFor } from '@pushwire/test-kit';
import { PushClientError } from './index';
import { busOnlyClients } from './testing/registry-harness';
import { topicLogRecords } from './testing/topic-log';

// publish / broadcast on the real in-memory bus: every message is one record of the topic log, and
// the answer is its place there (offset = bus offset + 1, epoch from the bus's log id).

const T0 = 1_700_000_000_000;

/** The in-memory bus with its log's append refused (a broker outage) while `down`, every attempt counted. */
class FlakyLog extends MemoryEventBus {
  down = false;
  appends = 0;
  logIds = 0;
  logIdDown = false;
  override async append(topic: string, messages: readonly BusMessage[]): Promise<RecordPosition[]> {
    this.appends++;
    if (this.down) throw new EventBusError(`append to ${topic} failed on Kafka: connect ECONNREFUSED`);
    return super.append(topic, messages);
  }
  override async logId(): Promise<string> {
    this.logIds++;
    if (this.logIdDown) throw new EventBusError('describe cluster failed on Kafka: connect ECONNREFUSED');
    return super.logId();
  }
}

let bus: FlakyLog;
const clients = busOnlyClients(() => bus, T0);
const client = clients.client;

const logRecords = () => topicLogRecords(bus);

beforeEach(async () => {
  bus = new FlakyLog({ now: () => T0 });
  await bus.ensureTopics([{ name: TOPIC_LOG, partitions: 1 }]);
});
afterEach(async () => {
  await clients.closeAll();
  await bus.close();
});

describe('publish', () => {
  it('appends a topic record keyed by the topic, with the defaults, and answers its offset and the epoch of the log', async () => {
    const epoch = topicEpochOf(await bus.logId());

    const result = await client().publish('live:m1', { score: '1-0' });

    expect(result).toEqual({ topic: 'live:m1', id: 'gen-1', offset: 1, epoch });
    const [record] = await logRecords();
    expect(record!.key).toBe('live:m1');
    expect(Validators.topicLogRecord.decode(JSON.parse(record!.value))).toEqual({
      kind: 'topic',
      topic: 'live:m1',
      id: 'gen-1',
      payload: { score: '1-0' },
      priority: 'normal',
      sentAt: T0,
      ttlSeconds: DEFAULT_TOPIC_TTL_SECONDS,
    });
  });

  it('answers growing offsets and one epoch from every client of the log, in the order the log took them', async () => {
    const [a, b] = [client(), client()];
    const first = await a.publish('live:m1', 1, { id: 'm-1' });
    const second = await b.publish('live:m2', 2, { id: 'm-2', ttlSeconds: 60, priority: 'high' });
    const third = await a.publish('live:m1', 3, { id: 'm-3' });

    expect([first.offset, second.offset, third.offset]).toEqual([1, 2, 3]);
    expect(new Set([first.epoch, second.epoch, third.epoch])).toEqual(new Set([topicEpochOf(await bus.logId())]));
    const records = (await logRecords()).map((r) => JSON.parse(r.value) as Record<string, unknown>);
    expect(records.map((r) => r['id'])).toEqual(['m-1', 'm-2', 'm-3']);
    expect(records[1]).toMatchObject({ ttlSeconds: 60, priority: 'high' });
  });

  it('asks the log id once per client', async () => {
    const c = client();
    await c.publish('t1', 1);
    await c.broadcast(2);
    await c.publish('t1', 3);
    expect(bus.logIds).toBe(1);
  });

  it.each([
    ['a topic starting with $', () => client().publish('$type:tv', 1), '/topic'],
    ['a topic with a space', () => client().publish('live m1', 1), '/topic'],
    ['an empty topic', () => client().publish('', 1), '/topic'],
    ['a topic of 129 characters', () => client().publish('t'.repeat(129), 1), '/topic'],
    ['a TTL of 0', () => client().publish('t1', 1, { ttlSeconds: 0 }), '/ttlSeconds'],
    ['a TTL past the longest', () => client().publish('t1', 1, { ttlSeconds: MAX_MESSAGE_TTL_SECONDS + 1 }), '/ttlSeconds'],
    ['an empty id', () => client().publish('t1', 1, { id: '' }), '/id'],
    ['an unknown priority', () => client().publish('t1', 1, { priority: 'urgent' as 'high' }), '/priority'],
    ['a payload nested 40 deep', () => client().publish('t1', JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`)), '/payload'],
    ['an undefined payload', () => client().publish('t1', undefined), '/payload'],
    ['a payload larger than maxMessageBytes', () => client({ maxMessageBytes: 1024 }).publish('t1', 'x'.repeat(2000)), '/payload'],
    ['an empty device type list', () => client().broadcast(1, { deviceTypes: [] }), '/deviceTypes'],
    ['a broadcast TTL of 0', () => client().broadcast(1, { ttlSeconds: 0 }), '/ttlSeconds'],
  ])('refuses %s as invalid_message naming the field, appending nothing', async (_what, call, field) => {
    const error = await call().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PushClientError);
    expect(error).toMatchObject({ code: 'invalid_message', retriable: false });
    expect((error as Error).message).toContain(field);
    expect(bus.appends).toBe(0);
  });

  it('says what is missing when the client has no bus, or a bus without the topic log', async () => {
    const noBus = await client({ bus: undefined })
      .publish('t1', 1)
      .catch((e: unknown) => e);
    expect(noBus).toMatchObject({ code: 'not_configured', message: expect.stringContaining('need an event bus') });

    const plain: EventBus = {
      ensureTopics: (t) => bus.ensureTopics(t),
      publish: (t, m) => bus.publish(t, m),
      subscribe: (o) => bus.subscribe(o),
      close: async () => undefined,
    };
    const notALog = await client({ bus: plain })
      .broadcast(1)
      .catch((e: unknown) => e);
    expect(notALog).toMatchObject({ code: 'not_configured', message: expect.stringContaining('must implement EventLog') });
  });
});

describe('broadcast', () => {
  it('appends a broadcast record keyed $broadcast, with its device types, in the same offset space as topic messages', async () => {
    const c = client();
    const published = await c.publish('live:m1', 'goal');

    const all = await c.broadcast({ x: 1 }, { id: 'b-1' });
    const tvs = await c.broadcast('tv only', { deviceTypes: ['tv'], ttlSeconds: 30 });

    expect(all).toEqual({ id: 'b-1', offset: published.offset + 1, epoch: published.epoch });
    expect(tvs).toEqual({ id: 'gen-2', offset: published.offset + 2, epoch: published.epoch });
    const [, first, second] = await logRecords();
    expect([first!.key, second!.key]).toEqual([BROADCAST_RECORD_KEY, BROADCAST_RECORD_KEY]);
    expect(JSON.parse(first!.value)).toEqual({
      kind: 'broadcast',
      id: 'b-1',
      payload: { x: 1 },
      sentAt: T0,
      ttlSeconds: DEFAULT_TOPIC_TTL_SECONDS,
    });
    expect(JSON.parse(second!.value)).toEqual({
      kind: 'broadcast',
      id: 'gen-2',
      payload: 'tv only',
      deviceTypes: ['tv'],
      sentAt: T0,
      ttlSeconds: 30,
    });
  });
});

describe('publish during a bus outage', () => {
  it('keeps trying the same record while the log refuses it, and answers once it takes it, appended once', async () => {
    bus.down = true;
    const c = client({ enqueueTimeoutMs: 5_000 });
    const answer = c.publish('live:m1', 'through the outage', { id: 'm-out' });
    await waitFor(() => bus.appends >= 2, { what: 'two refused appends', timeoutMs: 4_000 });
    bus.down = false;

    expect(await answer).toMatchObject({ topic: 'live:m1', id: 'm-out', offset: 1 });
    expect((await logRecords()).map((r) => JSON.parse(r.value).id)).toEqual(['m-out']);
  });

  it('rejects with a retriable `unavailable` naming the deadline and the message once the log stayed down past timeoutMs', async () => {
    bus.down = true;

    const error = await client({ enqueueTimeoutMs: 60_000 })
      .broadcast('x', { id: 'b-down', timeoutMs: 300 })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'unavailable', retriable: true, cause: expect.any(EventBusError) });
    expect((error as Error).message).toContain('broadcast b-down');
    expect((error as Error).message).toContain('within the publish deadline of 300 ms');
    expect(bus.appends).toBeGreaterThan(1);
  });

  it('asks the log id again after it failed, and appends nothing before it has it', async () => {
    bus.logIdDown = true;
    const c = client();
    const error = await c.publish('t1', 1, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable', retriable: true });
    expect(bus.appends).toBe(0);

    bus.logIdDown = false;
    expect(await c.publish('t1', 2)).toMatchObject({ offset: 1, epoch: topicEpochOf(await bus.logId()) });
  });

  it('refuses to answer an offset of a topic log with more than one partition', async () => {
    await bus.close();
    bus = new FlakyLog({ now: () => T0 });
    await bus.ensureTopics([{ name: TOPIC_LOG, partitions: 4 }]);
    const topics = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8'];
    const errors = await Promise.all(
      topics.map((t) =>
        client()
          .publish(t, 1)
          .catch((e: unknown) => e),
      ),
    );
    expect(errors).toContainEqual(
      expect.objectContaining({ code: 'unavailable', retriable: false, message: expect.stringContaining('more than one partition') }),
    );
  });

  it('refuses a bad deadline as the caller’s invalid_message', async () => {
    const error = await client()
      .publish('t1', 1, { timeoutMs: 0 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_message', message: expect.stringContaining('timeoutMs must be an integer') });
  });
});
