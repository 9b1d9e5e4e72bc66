import { randomUUID } from 'node:crypto';
import type { BusMessage, ConsumedRecord, EventBus, EventLog, RecordPosition, Tail, TailOptions } from '../event-bus';
import { Inbox, raceTimeout } from './inbox';

/** Per test: a real broker needs a few seconds for a tail's consumer to join its group. */
const TEST_TIMEOUT_MS = 30_000;

const messages = (keys: readonly string[]): BusMessage[] => keys.map((key, i) => ({ key, value: `${key}#${i}` }));
const range = (n: number, label = 'k') => Array.from({ length: n }, (_, i) => `${label}${i}`);
const positionOf = (r: ConsumedRecord): RecordPosition => ({ partition: r.partition, offset: r.offset });
const byValue = (records: readonly ConsumedRecord[]) => [...records].sort((a, b) => a.value.localeCompare(b.value));

/** A bus that is also an event log, as both adapters are. */
export type BusLog = EventBus & EventLog;

/** Until the wall clock has passed `ms` (epoch ms): what a time-based start needs between two appends. */
async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 1));
}

/**
 * The behaviour every EventLog must show, as a jest suite: the memory bus runs it in unit tests and
 * the Kafka bus against a real broker. New topics per test, so it also runs on a shared broker.
 *
 * @param makeLog a fresh bus per test; the suite closes it.
 * @param sameLogElsewhere another reader of the same log as `log`, as a second process would open it
 *   (Kafka: a new bus on the same brokers; memory: the bus itself); the suite closes it.
 */
export function describeEventLogContract(
  name: string,
  makeLog: () => Promise<BusLog>,
  sameLogElsewhere: (log: BusLog) => Promise<BusLog>,
): void {
  describe(`EventLog contract: ${name}`, () => {
    let log: BusLog;
    let run: string;
    const tails: Tail[] = [];
    const topic = async (label: string, partitions: number) => {
      const name = `log-contract-${run}-${label}`;
      await log.ensureTopics([{ name, partitions }]);
      return name;
    };
    /** A tail handing its records to a new inbox. */
    const tail = async (opts: Omit<TailOptions, 'handler'>, on: BusLog = log) => {
      const inbox = new Inbox();
      const t = await on.tail({ ...opts, handler: (records) => inbox.add(records) });
      tails.push(t);
      return { tail: t, inbox };
    };

    beforeEach(async () => {
      run = randomUUID().slice(0, 8);
      log = await makeLog();
    });
    afterEach(async () => {
      await Promise.all(tails.splice(0).map((t) => t.stop()));
      await log.close();
    });

    it(
      'says where each appended record landed, in the order given, as a tail hands them over',
      async () => {
        const t = await topic('positions', 3);
        const { inbox } = await tail({ topic: t });
        const sent = messages(range(12));
        const positions = await log.append(t, sent);

        expect(positions).toHaveLength(sent.length);
        const got = await inbox.until(sent.length);
        const byKey = new Map(got.map((r) => [r.key, r]));
        sent.forEach((m, i) => expect(positionOf(byKey.get(m.key)!)).toEqual(positions[i]));
        // Records of one partition are handed in offset order.
        for (let p = 0; p < 3; p++) {
          const offsets = got.filter((r) => r.partition === p).map((r) => BigInt(r.offset));
          expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        }
        expect(await log.append(t, [])).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'hands every record to every tail: no group shares the partitions',
      async () => {
        const t = await topic('two-tails', 2);
        const [a, b] = await Promise.all([tail({ topic: t }), tail({ topic: t })]);
        const sent = messages(range(8));
        await log.append(t, sent);

        const expected = sent.map((m) => m.value).sort();
        expect((await a.inbox.until(8)).map((r) => r.value).sort()).toEqual(expected);
        expect((await b.inbox.until(8)).map((r) => r.value).sort()).toEqual(expected);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'starts at the end by default: startOffsets is where the next record lands, and caughtUp resolves at once',
      async () => {
        const t = await topic('from-end', 1);
        await log.append(t, messages(range(2, 'old')));
        const { tail: reader, inbox } = await tail({ topic: t });

        expect([...reader.startOffsets]).toEqual([[0, '2']]);
        expect([...reader.endOffsets]).toEqual([[0, '2']]);
        await expect(
          raceTimeout(
            reader.caughtUp.then(() => 'caught up'),
            5_000,
          ),
        ).resolves.toBe('caught up');
        const [landed] = await log.append(t, messages(['new']));
        expect(landed).toEqual({ partition: 0, offset: '2' });
        expect((await inbox.until(1)).map((r) => r.value)).toEqual(['new#0']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'with sinceMs, starts at the first record appended at or after it: the history a new reader loads',
      async () => {
        const t = await topic('since', 1);
        await log.append(t, messages(range(3, 'before')));
        const since = Date.now() + 1;
        await clockPast(since);
        const kept = await log.append(t, messages(range(3, 'after')));

        const { tail: reader, inbox } = await tail({ topic: t, sinceMs: since });
        expect([...reader.startOffsets]).toEqual([[0, kept[0].offset]]);
        expect([...reader.endOffsets]).toEqual([[0, '6']]);
        await reader.caughtUp;
        // By caughtUp, everything that was in the log is in hand, and nothing older than sinceMs.
        expect(inbox.values).toEqual(['after0#0', 'after1#1', 'after2#2']);
        expect(inbox.records.map(positionOf)).toEqual(kept);

        const { inbox: everything } = await tail({ topic: t, sinceMs: 0 });
        expect((await everything.until(6)).map((r) => r.offset)).toEqual(['0', '1', '2', '3', '4', '5']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'has one start offset per partition, and with sinceMs past every record starts at the end',
      async () => {
        const t = await topic('partitions', 3);
        const landed = await log.append(t, messages(range(9)));
        const ends = [0, 1, 2].map((p) => String(landed.filter((l) => l.partition === p).length));

        const { tail: reader, inbox } = await tail({ topic: t, sinceMs: Date.now() + 60_000 });
        expect([...reader.startOffsets].sort(([a], [b]) => a - b)).toEqual(ends.map((end, p) => [p, end]));
        expect([...reader.endOffsets].sort(([a], [b]) => a - b)).toEqual(ends.map((end, p) => [p, end]));
        await reader.caughtUp;
        await log.append(t, messages(['next']));
        expect((await inbox.until(1)).map((r) => r.value)).toEqual(['next#0']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'resolves caughtUp once every record present at the start was handed over, then follows new appends',
      async () => {
        const t = await topic('caught-up', 2);
        const empty = await topic('empty', 2);
        const present = messages(range(40, 'present'));
        await log.append(t, present);

        const { tail: reader, inbox } = await tail({ topic: t, sinceMs: 0 });
        await reader.caughtUp;
        expect(byValue(inbox.records).map((r) => r.value)).toEqual(present.map((m) => m.value).sort());

        // endOffsets tells the records present at the start from later ones, whenever they are handed.
        const ends = reader.endOffsets;
        expect([...ends.values()].reduce((sum, end) => sum + Number(end), 0)).toBe(40);
        expect(inbox.records.every((r) => BigInt(r.offset) < BigInt(ends.get(r.partition) ?? -1))).toBe(true);
        const [later] = await log.append(t, messages(['later']));
        expect((await inbox.until(41)).map((r) => r.value)).toContain('later#0');
        expect(BigInt(later.offset)).toBeGreaterThanOrEqual(BigInt(ends.get(later.partition) ?? -1));

        // An empty log has nothing to catch up on.
        const { tail: idle } = await tail({ topic: empty, sinceMs: 0 });
        await expect(
          raceTimeout(
            idle.caughtUp.then(() => 'caught up'),
            5_000,
          ),
        ).resolves.toBe('caught up');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'skips the records a handler rejected and goes on with the next ones',
      async () => {
        const t = await topic('rejecting', 1);
        const handed: string[] = [];
        const seen = new Inbox();
        const after = new Inbox();
        const reader = await log.tail({
          topic: t,
          handler: (records) => {
            handed.push(...records.map((r) => r.value));
            seen.add(records);
            if (records.some((r) => r.value === 'bad#0')) throw new Error('cannot handle this record');
            after.add(records);
          },
        });
        tails.push(reader);
        await log.append(t, messages(['bad']));
        // 'good' only once 'bad' was handed: appended together, one fetch may hand both in one batch,
        // which the handler rejects whole (a rejection skips the batch it was given).
        await seen.until(1);
        await log.append(t, messages(['good']));

        expect((await after.until(1)).map((r) => r.value)).toEqual(['good#0']);
        expect(handed).toEqual(['bad#0', 'good#0']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'hands nothing more once stopped',
      async () => {
        const t = await topic('stop', 1);
        const [stopped, witness] = await Promise.all([tail({ topic: t }), tail({ topic: t })]);
        await log.append(t, messages(['first']));
        await stopped.inbox.until(1);
        await stopped.tail.stop();

        await log.append(t, messages(['second']));
        await witness.inbox.until(2);
        expect(stopped.inbox.values).toEqual(['first#0']);
        await stopped.tail.stop(); // idempotent
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'has a log id that every reader of the same log shares',
      async () => {
        const elsewhere = await sameLogElsewhere(log);
        try {
          const id = await log.logId();
          expect(id).toMatch(/\S/);
          expect(await log.logId()).toBe(id);
          expect(await elsewhere.logId()).toBe(id);
        } finally {
          if (elsewhere !== log) await elsewhere.close();
        }
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses to tail or append to a topic that does not exist',
      async () => {
        const missing = `log-contract-${run}-missing`;
        await expect(log.tail({ topic: missing, handler: () => undefined })).rejects.toThrow(missing);
        await expect(log.append(missing, messages(['k']))).rejects.toThrow(missing);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
