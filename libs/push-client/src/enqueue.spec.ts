import { EventBusError, MemoryEventBus, type BusMessage, type EventBus, type Subscription } from '@pushwire/event-bus';
import { Inbox } from '@pushwire/event-bus/testing';
import { MAX_COLLAPSE_KEY_LENGTH, Topics, Validators } from '@pushwire/protocol';
import { PushClient, PushClientError } from './index';
import { busOnlyClients, target } from './testing/registry-harness';

const T0 = 1_700_000_000_000;
const requestTopics = Object.values(Topics.pushRequests);

/** The real in-memory bus, with every publish call noted (topic, how many records) on its way through. */
class NotingBus implements EventBus {
  readonly publishes: [string, number][] = [];
  /** The value of each publish call's first record, in order. */
  readonly firstValues: string[] = [];
  /** Set by a test: what the next publish calls do instead of publishing (a broker outage). */
  outage: (() => Promise<void>)[] = [];
  constructor(readonly inner: MemoryEventBus) {}
  ensureTopics: EventBus['ensureTopics'] = (t) => this.inner.ensureTopics(t);
  publish = (topic: string, messages: readonly BusMessage[]) => {
    this.publishes.push([topic, messages.length]);
    this.firstValues.push(messages[0]?.value ?? '');
    const fault = this.outage.shift();
    return fault ? fault() : this.inner.publish(topic, messages);
  };
  subscribe: EventBus['subscribe'] = (o) => this.inner.subscribe(o);
  close = () => this.inner.close();
}

let bus: NotingBus;
let inbox: Inbox;
let subscription: Subscription;
const clients = busOnlyClients(() => bus, T0);
const client = clients.client;

/** Starts a bus whose request topics (one partition each, so arrival order is publish order) exist. */
async function startBus(topics = requestTopics): Promise<void> {
  bus = new NotingBus(new MemoryEventBus({ now: () => T0 }));
  await bus.ensureTopics(topics.map((name) => ({ name, partitions: 1 })));
  inbox = new Inbox();
  subscription = await bus.subscribe({ groupId: 'test-processor', topics, handler: inbox.handler });
}

const decoded = (value: string) => Validators.pushRequestRecord.decode(JSON.parse(value));

beforeEach(() => startBus());
afterEach(async () => {
  await clients.closeAll();
  await subscription.stop();
  await bus.close();
});

describe('PushClient.enqueue', () => {
  it('publishes a valid push request to the topic of its priority, keyed by the target device (account and id)', async () => {
    const result = await client().enqueue(
      target('tv-1'),
      { title: 'goal!' },
      { priority: 'high', ttlSeconds: 30, collapseKey: 'score', id: 'm-1', ack: true },
    );

    expect(result).toEqual({ messageId: 'm-1', topic: 'pushwire.push-requests.high' });
    const [record] = await inbox.until(1);
    expect(record).toMatchObject({ topic: 'pushwire.push-requests.high', key: 'acct-1/tv-1' });
    expect(decoded(record.value)).toEqual({
      v: 1,
      target: target('tv-1'),
      message: { id: 'm-1', payload: { title: 'goal!' }, createdAt: T0, priority: 'high', ttlSeconds: 30, ackRequired: true },
      enqueuedAt: T0,
      collapseKey: 'score',
    });
  });

  it('defaults to normal priority (written into the message too) and a generated id, with no collapse key', async () => {
    const result = await client().enqueue(target('tv-1'), 'hi');

    expect(result).toEqual({ messageId: 'gen-1', topic: 'pushwire.push-requests.normal' });
    const [record] = await inbox.until(1);
    expect(record.topic).toBe('pushwire.push-requests.normal');
    expect(decoded(record.value)).toEqual({
      v: 1,
      target: target('tv-1'),
      message: { id: 'gen-1', payload: 'hi', createdAt: T0, priority: 'normal' },
      enqueuedAt: T0,
    });
  });

  it('keeps each priority on its own topic', async () => {
    const c = client();
    for (const priority of ['low', 'high', 'normal'] as const) await c.enqueue(target(`tv-${priority}`), priority, { priority });

    const records = await inbox.until(3);
    expect(records.map((r) => [r.topic, r.key]).sort()).toEqual([
      ['pushwire.push-requests.high', 'acct-1/tv-high'],
      ['pushwire.push-requests.low', 'acct-1/tv-low'],
      ['pushwire.push-requests.normal', 'acct-1/tv-normal'],
    ]);
  });

  it('rejects invalid input with invalid_message, naming the field, and publishes nothing', async () => {
    const c = client();
    const cases: [Parameters<PushClient['enqueue']>, string][] = [
      [[target('tv-1'), 'x', { ttlSeconds: -1 }], '/ttlSeconds'],
      [[target('tv-1'), 'x', { collapseKey: 'k'.repeat(MAX_COLLAPSE_KEY_LENGTH + 1) }], '/collapseKey'],
      [[target('tv-1'), 'x', { collapseKey: '' }], '/collapseKey'],
      [[target('not a device id'), 'x'], '/target/deviceId'],
      [[{ ...target('tv-1'), edgeId: 'e' } as never, 'x'], '/target'],
      [[{ deviceId: 'tv-1' } as never, 'x'], '/target/accountId'],
      [[target('tv-1'), undefined], '/payload'],
      [[target('tv-1'), 'x', { priority: 'urgent' as never }], '/priority'],
    ];
    for (const [args, field] of cases) {
      const error = await c.enqueue(...args).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PushClientError);
      expect(error).toMatchObject({ code: 'invalid_message', retriable: false, message: expect.stringContaining(field) });
    }

    expect(bus.publishes).toEqual([]);
  });

  it('refuses a payload nested too deep to encode (5,000 levels) as invalid_message, never a retriable bus failure', async () => {
    const c = client();
    const deep = JSON.parse(`${'['.repeat(5_000)}${']'.repeat(5_000)}`);
    const error = await c.enqueue({ accountId: 'a1', deviceId: 'tv-1' }, deep).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushClientError);
    expect(error).toMatchObject({ code: 'invalid_message', retriable: false, message: expect.stringContaining('/payload nests') });
    expect(bus.publishes).toEqual([]);
  });

  it('takes the createdAt a caller gives, which starts the TTL, and refuses one far ahead or older than any TTL', async () => {
    const c = client();
    await c.enqueue({ accountId: 'a1', deviceId: 'tv-1' }, 'x', { id: 'made-earlier', createdAt: T0 - 5_000, ttlSeconds: 30 });
    const [record] = await inbox.until(1);
    expect(JSON.parse(record!.value)).toMatchObject({ message: { id: 'made-earlier', createdAt: T0 - 5_000 }, enqueuedAt: T0 });
    for (const createdAt of [T0 + 3_600_000, T0 - 29 * 24 * 3600 * 1000]) {
      const error = await c.enqueue({ accountId: 'a1', deviceId: 'tv-1' }, 'x', { createdAt }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'invalid_message', retriable: false, message: expect.stringContaining('createdAt') });
    }
  });

  it('without a bus rejects with not_configured, saying indirect push needs `bus`', async () => {
    const error = await client({ bus: undefined })
      .enqueue(target('tv-1'), 'x')
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PushClientError);
    expect(error).toMatchObject({ code: 'not_configured', retriable: false, message: expect.stringContaining('`bus`') });
  });

  it('reports a publish the bus refused (a topic never created) as a retriable `unavailable` with the bus error as cause', async () => {
    await subscription.stop();
    await bus.close();
    await startBus([Topics.pushRequests.normal]); // no high topic, as a Kafka without auto-create

    const error = await client()
      .enqueue(target('tv-1'), 'x', { priority: 'high', enqueueTimeoutMs: 50 })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PushClientError);
    expect(error).toMatchObject({ code: 'unavailable', retriable: true, message: expect.stringContaining('pushwire.push-requests.high') });
    expect((error as Error).cause).toBeInstanceOf(EventBusError);
  });

  it('leaves the bus it was given open when the client closes', async () => {
    const c = client();
    await c.close();

    await expect(c.enqueue(target('tv-1'), 'x')).rejects.toThrow('closed');
    await client().enqueue(target('tv-1'), 'still open');
    expect(decoded((await inbox.until(1))[0].value).message.payload).toBe('still open');
  });
});

describe('PushClient.enqueueMany', () => {
  it('publishes the items of one priority in one call per topic and answers in item order', async () => {
    const results = await client().enqueueMany([
      { target: target('a'), payload: 1 },
      { target: target('b'), payload: 2, options: { priority: 'high', collapseKey: 'k' } },
      { target: target('c'), payload: 3 },
      { target: target('d'), payload: 4, options: { priority: 'high', id: 'mine' } },
      { target: target('e'), payload: 5 },
    ]);

    const normal = 'pushwire.push-requests.normal';
    const high = 'pushwire.push-requests.high';
    expect(results).toEqual([
      { messageId: 'gen-1', topic: normal },
      { messageId: 'gen-2', topic: high },
      { messageId: 'gen-3', topic: normal },
      { messageId: 'mine', topic: high },
      { messageId: 'gen-4', topic: normal },
    ]);
    expect(bus.publishes.sort()).toEqual([
      [high, 2],
      [normal, 3],
    ]);
    const records = await inbox.until(5);
    expect(records.filter((r) => r.topic === normal).map((r) => [r.key, decoded(r.value).message.payload])).toEqual([
      ['acct-1/a', 1],
      ['acct-1/c', 3],
      ['acct-1/e', 5],
    ]);
    expect(records.filter((r) => r.topic === high).map((r) => decoded(r.value))).toEqual([
      expect.objectContaining({ target: target('b'), collapseKey: 'k' }),
      expect.objectContaining({ target: target('d'), message: expect.objectContaining({ id: 'mine' }) }),
    ]);
  });

  it('answers an invalid item and a refused topic with their errors, and still publishes the rest', async () => {
    await subscription.stop();
    await bus.close();
    await startBus([Topics.pushRequests.normal, Topics.pushRequests.high]); // no low topic

    const results = await client().enqueueMany(
      [
        { target: target('a'), payload: 1 },
        { target: target('b'), payload: 2, options: { ttlSeconds: 0, id: 'bad-ttl' } },
        { target: target('c'), payload: 3, options: { priority: 'low' } },
      ],
      { enqueueTimeoutMs: 50 },
    );

    expect(results).toEqual([
      { messageId: 'gen-1', topic: 'pushwire.push-requests.normal' },
      {
        messageId: 'bad-ttl',
        error: expect.objectContaining({ code: 'invalid_message', message: expect.stringContaining('/ttlSeconds') }),
      },
      { messageId: 'gen-2', topic: 'pushwire.push-requests.low', error: expect.objectContaining({ code: 'unavailable', retriable: true }) },
    ]);
    expect((await inbox.until(1)).map((r) => r.key)).toEqual(['acct-1/a']);
    expect(bus.publishes.sort()).toEqual([
      ['pushwire.push-requests.low', 1],
      ['pushwire.push-requests.normal', 1],
    ]);
  });

  it('publishes nothing for an empty list', async () => {
    expect(await client().enqueueMany([])).toEqual([]);
    expect(bus.publishes).toEqual([]);
  });
});

describe('enqueue during a bus outage', () => {
  const brokerDown = () =>
    Promise.reject(new EventBusError('publish failed on Kafka: KafkaJSConnectionError: Connection error: connect ECONNREFUSED'));
  const forever = () => new Promise<void>(() => undefined);

  it('keeps trying the same record while the bus fails retriably, and resolves once it takes it', async () => {
    bus.outage = [brokerDown, brokerDown, brokerDown];

    const result = await client().enqueue(target('tv-1'), 'through the outage', { id: 'm-1' });

    expect(result).toEqual({ messageId: 'm-1', topic: Topics.pushRequests.normal });
    expect(bus.publishes).toHaveLength(4);
    expect(new Set(bus.firstValues).size).toBe(1); // the very same record every time
    const records = await inbox.until(1);
    expect(records.map((r) => decoded(r.value).message)).toEqual([expect.objectContaining({ id: 'm-1', payload: 'through the outage' })]);
  });

  it('rejects with a retriable `unavailable` naming the deadline, the message id and the last failure when the bus stays down', async () => {
    bus.outage = Array.from({ length: 1000 }, () => brokerDown);

    const error = await client({ enqueueTimeoutMs: 400 })
      .enqueue(target('tv-1'), 'x', { id: 'm-2' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PushClientError);
    expect(error).toMatchObject({ code: 'unavailable', retriable: true, cause: expect.any(EventBusError) });
    const message = (error as Error).message;
    expect(message).toContain('within the enqueue deadline of 400 ms');
    expect(message).toContain('m-2');
    expect(message).toContain('ECONNREFUSED');
    expect(bus.publishes.length).toBeGreaterThan(1);
  });

  it('gives up at the deadline even while an attempt hangs, and the per-call deadline wins over the client one', async () => {
    bus.outage = [forever];
    const c = client({ enqueueTimeoutMs: 60_000 });

    const error = await c.enqueue(target('tv-1'), 'x', { enqueueTimeoutMs: 200 }).catch((e: unknown) => e);

    expect(error).toMatchObject({
      code: 'unavailable',
      retriable: true,
      message: expect.stringContaining('still under way at the deadline and may yet be written'),
    });
    expect(bus.publishes).toHaveLength(1);
  });

  it('does not retry a failure the bus calls permanent', async () => {
    bus.outage = [() => Promise.reject(new EventBusError('publish to t: record too large', { retriable: false }))];

    const error = await client()
      .enqueue(target('tv-1'), 'x')
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'unavailable', retriable: false, message: expect.stringContaining('record too large') });
    expect(bus.publishes).toHaveLength(1);
  });

  it('enqueueMany rides out the outage too, within its own deadline', async () => {
    bus.outage = [brokerDown];

    const results = await client().enqueueMany([{ target: target('a'), payload: 1 }], { enqueueTimeoutMs: 5_000 });

    expect(results).toEqual([{ messageId: 'gen-1', topic: Topics.pushRequests.normal }]);
    expect(bus.publishes).toHaveLength(2);
    expect(await inbox.until(1)).toHaveLength(1);
  });

  it('refuses a deadline that is not a positive integer, before publishing anything', async () => {
    await expect(client().enqueue(target('tv-1'), 'x', { enqueueTimeoutMs: 0 })).rejects.toMatchObject({ code: 'invalid_message' });
    expect(() => client({ enqueueTimeoutMs: -1 })).toThrow('enqueueTimeoutMs');
    expect(bus.publishes).toEqual([]);
  });
});
