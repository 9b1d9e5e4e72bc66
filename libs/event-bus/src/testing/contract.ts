import { randomUUID } from 'node:crypto';
import {
  EventBusError,
  type BatchHandler,
  type BusMessage,
  type ConsumedRecord,
  type EventBus,
  type PartitionLag,
  type SubscribeOptions,
  type Subscription,
} from '../event-bus';
import { Deferred, Inbox, inHandCounter, raceTimeout } from './inbox';

/** Per test: a real broker needs a few seconds for group joins; the memory bus takes milliseconds. */
const TEST_TIMEOUT_MS = 30_000;

const totalLag = (lags: PartitionLag[]) => lags.reduce((sum, l) => sum + l.lag, 0);
const byPartition = (lags: PartitionLag[]) => [...lags].sort((a, b) => a.partition - b.partition);
const messages = (keys: readonly string[], value: (key: string, i: number) => string = (k) => k): BusMessage[] =>
  keys.map((key, i) => ({ key, value: value(key, i) }));
const range = (n: number, label = 'k') => Array.from({ length: n }, (_, i) => `${label}${i}`);

/**
 * The behaviour every EventBus must show, as a jest suite: the memory bus runs it in unit tests and
 * the Kafka bus against a real broker. It uses only the interface, with new topics and groups per
 * test, so it also runs on a broker other suites share. Waits are on events (a record arriving, a
 * handler starting), never on fixed sleeps; the only timers are the simulated work of slow handlers.
 *
 * @param makeBus a fresh bus per test; the suite closes it.
 */
export function describeEventBusContract(name: string, makeBus: () => Promise<EventBus>): void {
  describe(`EventBus contract: ${name}`, () => {
    let bus: EventBus;
    let run: string;
    const topicName = (label: string) => `contract-${run}-${label}`;
    const groupName = (label: string) => `contract-${run}-${label}`;
    /** A new topic with `partitions` partitions. */
    const topic = async (label: string, partitions: number) => {
      const name = topicName(label);
      await bus.ensureTopics([{ name, partitions }]);
      return name;
    };
    const subscribe = (topicNames: string[], handler: BatchHandler, over: Partial<SubscribeOptions> = {}): Promise<Subscription> =>
      bus.subscribe({ groupId: groupName('g'), topics: topicNames, handler, ...over });

    beforeEach(async () => {
      run = randomUUID().slice(0, 8);
      bus = await makeBus();
    });
    afterEach(async () => {
      await bus.close();
    });

    it(
      'delivers published records with their topic, key, value, headers, offset and timestamp',
      async () => {
        const t = await topic('roundtrip', 3);
        const inbox = new Inbox();
        await subscribe([t], inbox.handler);
        const before = Date.now();
        await bus.publish(t, [
          { key: 'device-1', value: '{"n":1}', headers: { 'content-type': 'application/json', 'trace-id': 'abc-123' } },
          { key: 'device-2', value: 'plain text' },
        ]);
        const got = await inbox.until(2);
        const byKey = Object.fromEntries(got.map((r) => [r.key, r]));
        expect(byKey['device-1']).toMatchObject({
          topic: t,
          value: '{"n":1}',
          headers: { 'content-type': 'application/json', 'trace-id': 'abc-123' },
        });
        expect(byKey['device-2']).toMatchObject({ topic: t, value: 'plain text', headers: {} });
        for (const r of got) {
          expect(r.offset).toMatch(/^\d+$/);
          expect(r.partition).toBeGreaterThanOrEqual(0);
          expect(r.partition).toBeLessThan(3);
          expect(r.timestamp).toBeGreaterThanOrEqual(before - 1_000);
          expect(r.timestamp).toBeLessThanOrEqual(Date.now() + 1_000);
        }
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps each key in publish order across partitions and batches, one partition per batch',
      async () => {
        const t = await topic('order', 4);
        const keys = range(12, 'device-');
        const perKey = 40;
        // Five records per key per call, keys interleaved, in eight calls: order must survive all of it.
        for (let round = 0; round < perKey / 5; round++) {
          await bus.publish(
            t,
            keys.flatMap((key) => Array.from({ length: 5 }, (_, i) => ({ key, value: `${key}:${round * 5 + i}` }))),
          );
        }
        const inbox = new Inbox();
        await subscribe([t], inbox.handler, { maxBatchSize: 7, partitionsConcurrently: 4 });
        const got = await inbox.until(keys.length * perKey);

        expect(got).toHaveLength(keys.length * perKey);
        for (const batch of inbox.batches) {
          expect(batch.length).toBeLessThanOrEqual(7);
          expect(new Set(batch.map((r) => `${r.topic}/${r.partition}`)).size).toBe(1);
          const offsets = batch.map((r) => Number(r.offset));
          expect(offsets).toEqual(offsets.map((_, i) => offsets[0] + i));
        }
        for (const key of keys) {
          const mine = got.filter((r) => r.key === key);
          expect(mine.map((r) => r.value)).toEqual(Array.from({ length: perKey }, (_, i) => `${key}:${i}`));
          expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
        }
        expect(new Set(got.map((r) => r.partition)).size).toBeGreaterThan(1);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'delivers a rejected batch again, after a backoff, and skips nothing',
      async () => {
        const t = await topic('retry', 1);
        await bus.publish(
          t,
          messages(range(6), (_k, i) => String(i)),
        );
        const attempts: Array<{ values: string[]; at: number }> = [];
        const done = new Inbox();
        let failuresLeft = 2;
        await subscribe(
          [t],
          async (records) => {
            attempts.push({ values: records.map((r) => r.value), at: Date.now() });
            if (failuresLeft > 0 && records.some((r) => r.value === '3')) {
              failuresLeft--;
              throw new Error('downstream unavailable');
            }
            done.add(records);
          },
          { maxBatchSize: 2 },
        );

        // Exactly once each and in order: batches that went through are never handed out again.
        expect((await done.until(6)).map((r) => r.value)).toEqual(['0', '1', '2', '3', '4', '5']);
        const failing = attempts.filter((a) => a.values.includes('3'));
        expect(failing.map((a) => a.values)).toEqual([
          ['2', '3'],
          ['2', '3'],
          ['2', '3'],
        ]);
        // A backoff (≥ 50 ms for the first retry), not a hot loop.
        expect(failing[1].at - failing[0].at).toBeGreaterThanOrEqual(40);
        expect(failing[2].at - failing[1].at).toBeGreaterThanOrEqual(40);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "keeps handling the other partitions while one partition's batch keeps failing",
      async () => {
        const t = await topic('isolation', 2);
        await bus.publish(t, messages(['poison', ...range(20)]));
        const handled = new Inbox();
        const failedThrice = new Deferred();
        let poisonPartition = -1;
        let failures = 0;
        let released = false;
        await subscribe([t], async (records) => {
          const poison = records.find((r) => r.key === 'poison');
          if (poison && !released) {
            poisonPartition = poison.partition;
            if (++failures === 3) failedThrice.resolve();
            throw new Error('poison stays unprocessable until released');
          }
          handled.add(records);
        });

        await failedThrice.promise;
        const beforeRelease = handled.records.map((r) => r.key);
        released = true;
        const all = await handled.until(21);
        const elsewhere = all.filter((r) => r.partition !== poisonPartition).map((r) => r.key);
        expect(elsewhere.length).toBeGreaterThan(0);
        // Everything on the healthy partition went through while the poisoned one was still failing.
        expect(beforeRelease).toEqual(expect.arrayContaining(elsewhere));
        expect(beforeRelease).not.toContain('poison');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'resumes a group at its committed offset: uncommitted records come again, committed ones never',
      async () => {
        const t = await topic('resume', 1);
        await bus.publish(
          t,
          messages(range(5), (_k, i) => String(i)),
        );
        const first = new Inbox();
        const secondStarted = new Deferred();
        const gate = new Deferred();
        const sub1 = await subscribe(
          [t],
          async (records) => {
            if (first.records.length === 0) return first.add(records);
            secondStarted.resolve();
            await gate.promise;
            throw new Error('interrupted by stop: not done');
          },
          { maxBatchSize: 2 },
        );

        await secondStarted.promise;
        const stopping = sub1.stop();
        gate.resolve();
        await stopping;
        expect(first.values).toEqual(['0', '1']);
        expect(byPartition(await sub1.lag())).toEqual([{ topic: t, partition: 0, lag: 3 }]);

        const second = new Inbox();
        await subscribe([t], second.handler);
        expect((await second.until(3)).map((r) => r.value)).toEqual(['2', '3', '4']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'lets stop() wait for the batch in hand, which the handler can see coming, and commits it',
      async () => {
        const t = await topic('stop', 1);
        await bus.publish(t, messages(range(3)));
        const started = new Deferred();
        let finishedAt = 0;
        let sawStopping = false;
        const sub = await subscribe([t], async (_records, ctx) => {
          started.resolve();
          await raceTimeout(new Deferred().promise, 300); // the work at hand
          await ctx.heartbeat();
          sawStopping = !ctx.isRunning();
          finishedAt = Date.now();
        });

        await started.promise;
        await sub.stop();
        expect(finishedAt).toBeGreaterThan(0);
        expect(Date.now()).toBeGreaterThanOrEqual(finishedAt);
        expect(sawStopping).toBe(true);
        expect(await sub.lag()).toEqual([{ topic: t, partition: 0, lag: 0 }]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'gives every group every record',
      async () => {
        const t = await topic('groups', 3);
        const a = new Inbox();
        const b = new Inbox();
        await subscribe([t], a.handler, { groupId: groupName('a') });
        await subscribe([t], b.handler, { groupId: groupName('b') });
        await bus.publish(t, messages(range(10)));
        const sorted = (records: ConsumedRecord[]) => records.map((r) => r.key).sort();
        expect(sorted(await a.until(10))).toEqual(range(10).sort());
        expect(sorted(await b.until(10))).toEqual(range(10).sort());
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'splits the partitions between the members of one group',
      async () => {
        const t = await topic('split', 4);
        const all = new Inbox();
        const seen = { a: new Set<number>(), b: new Set<number>() };
        const member =
          (name: 'a' | 'b'): BatchHandler =>
          async (records) => {
            for (const r of records) seen[name].add(r.partition);
            all.add(records);
          };
        await subscribe([t], member('a'));
        await subscribe([t], member('b'));
        await bus.publish(t, messages(range(40)));

        expect((await all.until(40)).map((r) => r.key).sort()).toEqual(range(40).sort());
        expect(seen.a.size).toBeGreaterThan(0);
        expect(seen.b.size).toBeGreaterThan(0);
        expect([...seen.a].filter((p) => seen.b.has(p))).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'handles partitions concurrently up to partitionsConcurrently: a slow partition does not hold up another',
      async () => {
        const t = await topic('concurrent', 2);
        await bus.publish(t, messages(range(20)));
        const inbox = new Inbox();
        const bothInHand = new Deferred();
        const inHand = inHandCounter();
        await subscribe(
          [t],
          async (records) => {
            // Slow work (3 s) that ends early once the other partition's batch is in hand too: handled
            // one partition at a time, each batch would take the full 3 s and at most 1 be in hand.
            await inHand.around(async () => {
              if (inHand.now === 2) bothInHand.resolve();
              await raceTimeout(bothInHand.promise, 3_000);
            });
            inbox.add(records);
          },
          { partitionsConcurrently: 2 },
        );

        const started = Date.now();
        await inbox.until(20);
        expect(inHand.most).toBe(2);
        expect(Date.now() - started).toBeLessThan(3_000);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'never hands out two batches of one partition at once, however many partitions may run concurrently',
      async () => {
        const t = await topic('one-at-a-time', 1);
        await bus.publish(
          t,
          messages(range(8), (_k, i) => String(i)),
        );
        const inbox = new Inbox();
        const inHand = inHandCounter();
        await subscribe(
          [t],
          async (records) => {
            // The work of a batch, long enough for spare workers to take the next batch if they could.
            await inHand.around(() => raceTimeout(new Deferred().promise, 20));
            inbox.add(records);
          },
          { partitionsConcurrently: 3, maxBatchSize: 2 },
        );

        expect((await inbox.until(8)).map((r) => r.value)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
        expect(inHand.most).toBe(1);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'counts the records a group has not committed as lag, down to 0',
      async () => {
        const t = await topic('lag', 2);
        await bus.publish(t, messages(range(6)));
        const gate = new Deferred();
        const inbox = new Inbox();
        const sub = await subscribe([t], async (records) => {
          await gate.promise;
          inbox.add(records);
        });

        const lags = byPartition(await sub.lag());
        expect(lags.map((l) => [l.topic, l.partition])).toEqual([
          [t, 0],
          [t, 1],
        ]);
        expect(totalLag(lags)).toBe(6);
        gate.resolve();
        await inbox.until(6);
        await sub.stop();
        expect(byPartition(await sub.lag()).map((l) => l.lag)).toEqual([0, 0]);
        await bus.publish(t, messages(['late-1', 'late-2']));
        expect(totalLag(await sub.lag())).toBe(2);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'starts a new group at new records only when fromBeginning is false',
      async () => {
        const t = await topic('latest', 1);
        await bus.publish(t, [{ key: 'k', value: 'before' }]);
        const inbox = new Inbox();
        await subscribe([t], inbox.handler, { fromBeginning: false });
        await bus.publish(t, [{ key: 'k', value: 'after' }]);
        expect((await inbox.until(1)).map((r) => r.value)).toEqual(['after']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "keeps a new group's start at new records: a member stopped before any record, started again, gets what was published meanwhile",
      async () => {
        const t = await topic('latest-kept', 2);
        await bus.publish(
          t,
          messages(['a', 'b'], (k) => `old-${k}`),
        );
        const groupId = groupName('latest-kept');
        const first = new Inbox();
        const sub = await subscribe([t], first.handler, { groupId, fromBeginning: false });
        await sub.stop();
        await bus.publish(
          t,
          messages(['a', 'b'], (k) => `while-down-${k}`),
        );
        const second = new Inbox();
        await subscribe([t], second.handler, { groupId, fromBeginning: false });
        expect((await second.until(2)).map((r) => r.value).sort()).toEqual(['while-down-a', 'while-down-b']);
        expect(first.records).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'creates topics idempotently, never shrinks or silently under-sizes one, and refuses unknown topics',
      async () => {
        const t = topicName('ensure');
        await Promise.all([bus.ensureTopics([{ name: t, partitions: 3 }]), bus.ensureTopics([{ name: t, partitions: 3 }])]);
        await bus.ensureTopics([{ name: t, partitions: 2 }]);
        await expect(bus.ensureTopics([{ name: t, partitions: 5 }])).rejects.toThrow(/fewer than the 5/);
        await expect(bus.ensureTopics([{ name: t, partitions: 0 }])).rejects.toBeInstanceOf(EventBusError);
        const sub = await subscribe([t], async () => undefined);
        expect((await sub.lag()).length).toBe(3);

        const missing = topicName('missing');
        await expect(bus.publish(missing, [{ key: 'k', value: 'v' }])).rejects.toBeInstanceOf(EventBusError);
        await expect(bus.publish(missing, [{ key: 'k', value: 'v' }])).rejects.toThrow(missing);
        await expect(subscribe([missing], async () => undefined)).rejects.toBeInstanceOf(EventBusError);
        await expect(subscribe([t], async () => undefined, { maxBatchSize: 0 })).rejects.toBeInstanceOf(EventBusError);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'tells a call no bus could accept (invalid_request, not retriable) from a refusal a later call may pass (queue_unavailable)',
      async () => {
        const t = await topic('codes', 1);
        const badSpec = await bus.ensureTopics([{ name: topicName('codes'), partitions: 0 }]).catch((e: unknown) => e);
        expect(badSpec).toMatchObject({ code: 'invalid_request', retriable: false });
        const badMessage = await bus.publish(t, [{ key: 1 as unknown as string, value: 'v' }]).catch((e: unknown) => e);
        expect(badMessage).toMatchObject({ code: 'invalid_request', retriable: false });
        const missing = await bus.publish(topicName('missing'), [{ key: 'k', value: 'v' }]).catch((e: unknown) => e);
        expect(missing).toBeInstanceOf(EventBusError);
        expect(missing).toMatchObject({ code: 'queue_unavailable', retriable: true });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'stops every subscription on close() and refuses work afterwards',
      async () => {
        const t = await topic('close', 1);
        const inbox = new Inbox();
        await subscribe([t], inbox.handler);
        await bus.publish(t, messages(['k']));
        await inbox.until(1);
        await bus.close();
        await expect(bus.publish(t, messages(['k']))).rejects.toBeInstanceOf(EventBusError);
        await expect(subscribe([t], inbox.handler)).rejects.toBeInstanceOf(EventBusError);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
