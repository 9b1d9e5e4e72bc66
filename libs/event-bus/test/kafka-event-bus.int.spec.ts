/**
 * KafkaEventBus on a real broker: the shared EventBus contract (the suite the memory bus passes),
 * then what only Kafka shows: unreachable brokers, a group member joining mid-stream, and records
 * written by other producers (Buffer and repeated headers, no key, no value).
 */
import { randomUUID } from 'node:crypto';
import { KafkaJSError, logLevel, Partitioners } from 'kafkajs';
import { freePorts } from '@pushwire/infra';
import { kafkaBrokersFromEnv, kafkaFromEnv } from '@pushwire/infra/testing';
import { EventBusError, KafkaEventBus, type ConsumedRecord, type EventBus, type HandlerRejection, type Subscription } from '../src';
import { describeEventBusContract, describeEventLogContract, Inbox, raceTimeout } from '../src/testing';

const brokers = kafkaBrokersFromEnv();
const makeBus = () => new KafkaEventBus({ brokers, clientId: 'event-bus-test' });

describeEventBusContract('KafkaEventBus on a real broker', async () => makeBus());
// A second bus on the same brokers reads the same log, as another edge does.
describeEventLogContract(
  'KafkaEventBus on a real broker',
  async () => new KafkaEventBus({ brokers, clientId: 'event-log-test', onTailRejected: () => undefined }),
  async () => makeBus(),
);

/** A broker address nothing listens on: a port that was free a moment ago. */
const unusedBroker = async () => `127.0.0.1:${(await freePorts(1))[0]}`;

describe('KafkaEventBus', () => {
  const run = randomUUID().slice(0, 8);
  let bus: EventBus;
  beforeEach(() => {
    bus = makeBus();
  });
  afterEach(async () => {
    await bus.close();
  });

  it('fails every operation with an EventBusError naming the brokers within seconds when none is reachable', async () => {
    const address = await unusedBroker();
    // One bus per operation, so each pays its own connection attempts; kafkajs logs them all otherwise.
    const unreachable = () => new KafkaEventBus({ brokers: [address], clientId: 'event-bus-unreachable', logLevel: logLevel.NOTHING });
    const attempts: Array<[string, (b: EventBus) => Promise<unknown>]> = [
      ['ensureTopics', (b) => b.ensureTopics([{ name: `unreachable-${run}`, partitions: 1 }])],
      ['publish', (b) => b.publish(`unreachable-${run}`, [{ key: 'k', value: 'v' }])],
      ['subscribe', (b) => b.subscribe({ groupId: `unreachable-${run}`, topics: [`unreachable-${run}`], handler: async () => undefined })],
    ];
    await Promise.all(
      attempts.map(async ([action, attempt]) => {
        const b = unreachable();
        const started = Date.now();
        const error = await attempt(b).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(EventBusError);
        expect((error as Error).message).toContain(address);
        expect((error as Error).message).toMatch(/ECONNREFUSED|[Cc]onnect/);
        expect(Date.now() - started).toBeLessThan(10_000);
        await b.close();
        return action;
      }),
    );
  });

  it("reports an unreachable broker as retriable, with kafkajs' error as the cause", async () => {
    const unreachable = new KafkaEventBus({
      brokers: [await unusedBroker()],
      clientId: 'event-bus-unreachable',
      logLevel: logLevel.NOTHING,
    });
    try {
      const error = await unreachable.ensureTopics([{ name: `unreachable-retriable-${run}`, partitions: 1 }]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventBusError);
      expect(error).toMatchObject({ code: 'queue_unavailable', retriable: true });
      expect((error as Error).cause).toBeInstanceOf(KafkaJSError);
    } finally {
      await unreachable.close();
    }
  });

  it('loses no record and keeps per-key order when a second member joins the group mid-stream', async () => {
    const topic = `join-${run}`;
    const groupId = `join-${run}`;
    await bus.ensureTopics([{ name: topic, partitions: 4 }]);
    const keys = Array.from({ length: 12 }, (_, i) => `device-${i}`);
    const handled = new Inbox();
    const handledBy = new Map<string, string>();
    const member = (name: string) => async (records: readonly ConsumedRecord[]) => {
      await raceTimeout(new Promise(() => undefined), 15); // the work of a batch
      for (const r of records) handledBy.set(r.value, name);
      handled.add(records);
    };
    const publishRound = (round: number) =>
      bus.publish(
        topic,
        keys.map((key) => ({ key, value: `${key}:${round}` })),
      );

    const subs: Subscription[] = [await bus.subscribe({ groupId, topics: [topic], handler: member('first'), maxBatchSize: 3 })];
    for (let round = 0; round < 10; round++) await publishRound(round);
    await handled.until(30);
    subs.push(await bus.subscribe({ groupId, topics: [topic], handler: member('second'), maxBatchSize: 3 }));
    for (let round = 10; round < 20; round++) await publishRound(round);

    const total = keys.length * 20;
    await handled.until(total);
    for (const sub of subs) await sub.stop();

    const values = handled.values;
    // Nothing lost, and nothing handled twice: the first member finished and committed its batch in
    // hand before the group rebalanced, so the second started at the committed offsets.
    expect([...new Set(values)].sort()).toEqual(keys.flatMap((k) => Array.from({ length: 20 }, (_, i) => `${k}:${i}`)).sort());
    expect(values).toHaveLength(total);
    for (const key of keys) {
      expect(values.filter((v) => v.startsWith(`${key}:`))).toEqual(Array.from({ length: 20 }, (_, i) => `${key}:${i}`));
    }
    expect(new Set(handledBy.values())).toEqual(new Set(['first', 'second']));
    expect((await subs[0].lag()).map((l) => l.lag)).toEqual([0, 0, 0, 0]);
  });

  it("keeps its place in the group while a batch fails for longer than kafkajs' own retry budget", async () => {
    const topic = `persistent-${run}`;
    const groupId = `persistent-${run}`;
    const rejections: HandlerRejection[] = [];
    // Short backoffs, so ten failures take a fraction of a second.
    const fast = new KafkaEventBus({
      brokers,
      clientId: 'event-bus-test',
      redeliveryBackoff: { initialMs: 10, maxMs: 40 },
      onHandlerRejected: (r) => rejections.push(r),
    });
    const admin = kafkaFromEnv('event-bus-observer').admin();
    await admin.connect();
    try {
      await fast.ensureTopics([{ name: topic, partitions: 1 }]);
      await fast.publish(topic, [
        { key: 'k', value: 'a' },
        { key: 'k', value: 'b' },
      ]);
      const inbox = new Inbox();
      await fast.subscribe({ groupId, topics: [topic], handler: inbox.failingFirst(10) });
      const members = async () => (await admin.describeGroups([groupId])).groups[0].members.map((m) => m.memberId);
      const before = await members();

      expect((await inbox.until(2)).map((r) => r.value)).toEqual(['a', 'b']);
      // Thrown out of eachBatch, the failure would exhaust kafkajs' 5 retries, crash the consumer and
      // restart it under a new member id: a rebalance for the whole group, every few seconds.
      expect(await members()).toEqual(before);
      expect(before).toHaveLength(1);
      expect(rejections.map((r) => [r.attempt, r.firstOffset, r.records, (r.error as Error).message])).toEqual(
        Array.from({ length: 10 }, (_, i) => [i + 1, '0', 2, 'downstream down']),
      );
      expect(Math.max(...rejections.map((r) => r.delayMs))).toBeLessThanOrEqual(40);
    } finally {
      await admin.disconnect();
      await fast.close();
    }
  });

  it('reads records of other producers: Buffer and repeated headers as strings, no key as null, no value as empty', async () => {
    const topic = `foreign-${run}`;
    await bus.ensureTopics([{ name: topic, partitions: 1 }]);
    const foreign = kafkaFromEnv('event-bus-foreign').producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await foreign.connect();
    try {
      await foreign.send({
        topic,
        messages: [
          { key: null, value: null, headers: { bytes: Buffer.from('héllo'), repeated: ['first', Buffer.from('last')] } },
          { key: Buffer.from('k'), value: Buffer.from('{"ok":true}') },
        ],
      });
    } finally {
      await foreign.disconnect();
    }
    const inbox = new Inbox();
    await bus.subscribe({ groupId: `foreign-${run}`, topics: [topic], handler: inbox.handler });
    const [tombstone, plain] = await inbox.until(2);
    expect(tombstone).toMatchObject({ key: null, value: '', headers: { bytes: 'héllo', repeated: 'last' } });
    expect(plain).toMatchObject({ key: 'k', value: '{"ok":true}', headers: {} });
  });
});
