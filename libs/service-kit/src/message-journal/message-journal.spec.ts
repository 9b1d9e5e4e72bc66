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

  it('forgets the least recently active message past maxMessages', () => {
    const journal = new MessageJournal({ now, maxMessages: 3 });
    const r = journal.recorder('edge');
    for (const id of ['m1', 'm2', 'm3']) r.record('written', id);
    r.record('acknowledged', 'm1'); // m1 is now the most recent: m2 goes first
    r.record('written', 'm4');
    expect(journal.size).toBe(3);
    expect(journal.eventsOf('m2')).toEqual([]);
    expect(journal.eventsOf('m1').map((e) => e.stage)).toEqual(['written', 'acknowledged']);
    expect(journal.eventsOf('m4')).toHaveLength(1);
  });

  it('forgets a message idle for maxAgeMs, and never holds more than maxMessages however many pass', () => {
    const journal = new MessageJournal({ now, maxMessages: 1000, maxAgeMs: 60_000 });
    const r = journal.recorder('edge');
    r.record('written', 'old');
    clock += 60_000;
    expect(journal.eventsOf('old')).toEqual([]); // past its age even before anything evicts it
    for (let i = 0; i < 100_000; i++) r.record('written', `m${i}`);
    expect(journal.size).toBe(1000);
    expect(journal.eventsOf('old')).toEqual([]);
    clock += 60_001;
    r.record('written', 'fresh');
    expect(journal.size).toBe(1); // every idle one evicted by the next record
  });

  it('keeps a few events per message and small details, whatever a caller passes', () => {
    const journal = new MessageJournal({ now, maxEventsPerMessage: 4 });
    const r = journal.recorder('message-processor');
    for (let attempt = 1; attempt <= 10; attempt++) r.record('routed', 'm1', undefined, { attempt, reason: 'x'.repeat(10_000) });
    const events = journal.eventsOf('m1');
    expect(events).toHaveLength(4);
    expect(String(events[0]!.detail!.reason).length).toBeLessThanOrEqual(201);
  });

  it('records nothing with maxMessages 0', () => {
    const journal = new MessageJournal({ now, maxMessages: 0 });
    journal.recorder('edge').record('written', 'm1');
    expect(journal.eventsOf('m1')).toEqual([]);
  });

  it('takes no trace id when no span is active (no OpenTelemetry SDK registered)', () => {
    const journal = new MessageJournal({ now });
    journal.recorder('edge').record('written', 'm1');
    expect(journal.eventsOf('m1')[0]).not.toHaveProperty('traceId');
  });
});
