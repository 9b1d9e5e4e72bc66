import fc from 'fast-check';
import type { JournalDetail, JournalEvent, JournalStage } from '@pushwire/protocol';
import { encodeLine } from './journal-line';
import { MessageJournal } from './message-journal';

describe('MessageJournal', () => {
  let clock = 1_000_000;
  const now = () => clock;
  beforeEach(() => (clock = 1_000_000));

  it("answers a message's events in the order recorded, each tagged with its service, target and trace id", () => {
    const journal = new MessageJournal({ now, traceId: () => 'a'.repeat(32) });
    journal.recorder('message-processor').record('accepted', 'm1', { accountId: 'a1', deviceId: 'tv1' }, { priority: 'high' });
    clock += 5;
    journal.recorder('registry').record('stored', 'm1', { accountId: 'a1', deviceId: 'tv1' });
    journal.recorder('registry').record('stored', 'm10', { accountId: 'a1', deviceId: 'tv1' }); // an id m1 is a prefix of
    expect(journal.eventsOf('m1')).toEqual([
      {
        messageId: 'm1',
        stage: 'accepted',
        service: 'message-processor',
        at: 1_000_000,
        accountId: 'a1',
        deviceId: 'tv1',
        detail: { priority: 'high' },
        traceId: 'a'.repeat(32),
      },
      { messageId: 'm1', stage: 'stored', service: 'registry', at: 1_000_005, accountId: 'a1', deviceId: 'tv1', traceId: 'a'.repeat(32) },
    ]);
    expect(journal.eventsOf('unknown')).toEqual([]);
  });

  it('keeps the time a caller names, and every detail type as given', () => {
    const journal = new MessageJournal({ now });
    const r = journal.recorder('edge');
    r.record('written', 'm1', undefined, { edgeId: 'é "quoted"\n\t', inboxed: false, attempt: 3, ratio: -0.5, from: undefined }, 999_000);
    r.record('acknowledged', 'm1', { accountId: 'a1' });
    expect(journal.eventsOf('m1')).toEqual([
      {
        messageId: 'm1',
        stage: 'written',
        service: 'edge',
        at: 999_000,
        detail: { edgeId: 'é "quoted"\n\t', inboxed: false, attempt: 3, ratio: -0.5 },
      },
      { messageId: 'm1', stage: 'acknowledged', service: 'edge', at: 1_000_000, accountId: 'a1' },
    ]);
  });

  it('forgets the oldest events when its bytes are full, and answers a message spanning both segments whole and in order', () => {
    const journal = new MessageJournal({ now, maxBytes: 2 * 1024 }); // two segments of 1 KiB, ~25 bytes per line
    const r = journal.recorder('edge');
    let n = 0;
    /** Records fillers until `id` is forgotten (its segment reused): answers the filler before the last one (the older segment's last line). */
    const fillUntilForgotten = (id: string) => {
      for (let before = ''; ; n++) {
        r.record('written', `n${n}`);
        if (journal.eventsOf(id).length === 0) return before;
        before = `n${n}`;
      }
    };
    r.record('written', 'first');
    const olderSegmentsLast = fillUntilForgotten('first'); // a new segment has just started: 'first' was in the one reused
    r.record('acknowledged', 'spans');
    fillUntilForgotten(olderSegmentsLast); // and again: the segment of 'acknowledged' is the older one now
    r.record('delivered', 'spans');
    expect(journal.eventsOf('spans').map((e) => e.stage)).toEqual(['acknowledged', 'delivered']);
    expect(journal.eventsOf('first')).toEqual([]);
    expect(n).toBeGreaterThan(40); // about a segment's worth of lines each time
    for (let i = 0; i < 10_000; i++) r.record('written', `x${i}`);
    expect(journal.bytesUsed).toBeLessThanOrEqual(2 * 1024);
    expect(journal.eventsOf('spans')).toEqual([]);
    expect(journal.eventsOf('x9999')).toHaveLength(1);
  });

  it('forgets a message idle for maxAgeMs, and a message idle that long starts a new life', () => {
    const journal = new MessageJournal({ now, maxAgeMs: 60_000 });
    const r = journal.recorder('edge');
    r.record('written', 'old');
    clock += 59_999;
    expect(journal.eventsOf('old')).toHaveLength(1);
    clock += 1;
    expect(journal.eventsOf('old')).toEqual([]);
    r.record('acknowledged', 'old');
    expect(journal.eventsOf('old').map((e) => e.stage)).toEqual(['acknowledged']);
  });

  it('answers the first few events per message and keeps details small, whatever a caller passes', () => {
    const journal = new MessageJournal({ now, maxEventsPerMessage: 4 });
    const r = journal.recorder('message-processor');
    for (let attempt = 1; attempt <= 10; attempt++) r.record('routed', 'm1', undefined, { attempt, reason: 'x'.repeat(10_000) });
    const events = journal.eventsOf('m1');
    expect(events.map((e) => e.detail!.attempt)).toEqual([1, 2, 3, 4]);
    expect(events[0]!.detail!.reason).toBe(`${'x'.repeat(200)}…`);
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    r.record('routed', 'm2', undefined, many);
    expect(Object.keys(journal.eventsOf('m2')[0]!.detail!)).toHaveLength(8);
  });

  it('records nothing with maxBytes 0', () => {
    const journal = new MessageJournal({ now, maxBytes: 0 });
    journal.recorder('edge').record('written', 'm1');
    journal.record({ messageId: 'm1', stage: 'written', service: 'edge' });
    expect(journal.eventsOf('m1')).toEqual([]);
    expect(journal.bytesUsed).toBe(0);
  });

  it('takes no trace id when no span is active (no OpenTelemetry SDK registered)', () => {
    const journal = new MessageJournal({ now });
    journal.recorder('edge').record('written', 'm1');
    expect(journal.eventsOf('m1')[0]).not.toHaveProperty('traceId');
  });

  it('answers no events for an id the protocol would not take', () => {
    const journal = new MessageJournal({ now });
    journal.recorder('edge').record('written', 'm1');
    expect(journal.eventsOf('m1\t0')).toEqual([]);
    expect(journal.eventsOf('')).toEqual([]);
  });

  it('answers what a plain list of every event would, restricted to the newest ones, and keeps at least a segment of them', () => {
    const ids = ['m1', 'm2', 'm3', 'm10', 'x:y@z.-_'];
    const op = fc.record({
      id: fc.constantFrom(...ids),
      stage: fc.constantFrom<JournalStage>('accepted', 'routed', 'written', 'acknowledged', 'delivered'),
      service: fc.constantFrom('edge', 'registry'),
      dt: fc.integer({ min: 0, max: 40_000 }),
      detail: fc.option(
        fc.dictionary(
          fc.constantFrom('status', 'edgeId', 'attempt', 'k'),
          fc.oneof(fc.string({ maxLength: 220 }), fc.integer(), fc.boolean()),
          {
            maxKeys: 3,
          },
        ),
        { nil: undefined },
      ),
    });
    const maxBytes = 8192;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), fc.integer({ min: 0, max: 40_000 }), (ops, lastDt) => {
        clock = 1_000_000;
        const journal = new MessageJournal({ now, maxBytes, maxAgeMs: 60_000, maxEventsPerMessage: 5 });
        const all: JournalEvent[] = [];
        const lineBounds: number[] = [];
        for (const o of ops) {
          clock += o.dt;
          journal.recorder(o.service).record(o.stage, o.id, { accountId: 'a', deviceId: 'd' }, o.detail);
          const event: JournalEvent = { messageId: o.id, stage: o.stage, service: o.service, at: clock, accountId: 'a', deviceId: 'd' };
          const detail = o.detail && cut(o.detail);
          if (detail) event.detail = detail;
          all.push(event);
          lineBounds.push(lineBound(o.id, encodeLine(o.stage, 1, 'a', 'd', undefined, clock, undefined, o.detail)));
        }
        clock += lastDt;
        // The newest events whose lines surely fit in one segment are all held.
        let surelyHeld = 0;
        for (let i = all.length - 1, sum = 0; i >= 0 && (sum += lineBounds[i]!) <= maxBytes / 2 - 1; i--) surelyHeld++;
        const answers = ids.map((id) => journal.eventsOf(id));
        const keptFrom = Array.from({ length: all.length - surelyHeld + 1 }, (_, k) => k).find((k) =>
          ids.every((id, i) =>
            equal(
              answers[i],
              reference(
                all.slice(k).filter((e) => e.messageId === id),
                clock,
                60_000,
                5,
              ),
            ),
          ),
        );
        expect(keptFrom).toBeDefined();
        expect(journal.bytesUsed).toBeLessThanOrEqual(maxBytes);
      }),
      { numRuns: 300 },
    );
  });
});

/** The upper bound SegmentLog reserves for a line (its key ASCII, its text ≤ 3 UTF-8 bytes per unit, 20 for time and delimiters). */
const lineBound = (id: string, text: string) => id.length + 3 * text.length + 20;

const equal = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A detail as the journal keeps it: strings cut to 200 characters and marked, none when empty. */
function cut(detail: Record<string, string | number | boolean>): JournalDetail | undefined {
  const entries = Object.entries(detail).map(([k, v]) => [k, typeof v === 'string' && v.length > 200 ? `${v.slice(0, 200)}…` : v]);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** The journal's answer computed from a plain list: a life restarts after an idle gap, its first `cap` events, none if idle now. */
function reference(events: JournalEvent[], now: number, maxAgeMs: number, cap: number): JournalEvent[] {
  let life: JournalEvent[] = [];
  let lastAt = -Infinity;
  for (const e of events) {
    if (e.at - lastAt >= maxAgeMs) life = [];
    lastAt = e.at;
    if (life.length < cap) life.push(e);
  }
  return lastAt <= now - maxAgeMs ? [] : life;
}
