import { Ledger, type MessageRecord, type PushPath } from './ledger';
import { quantiles, summarize, targetChecks } from './report';

const END = 1_000_000;
const DEVICE = 'acct/dev-1';

/** A message in a fresh ledger: sent at 0 with a TTL outliving the run unless told otherwise. */
function message(ledger: Ledger, id: string, path: PushPath, over: { ttlSeconds?: number; sentAt?: number; phase?: string } = {}) {
  return ledger.add({
    id,
    path,
    target: DEVICE,
    sentAt: over.sentAt ?? 0,
    ttlSeconds: over.ttlSeconds ?? 3600,
    ack: false,
    phase: over.phase ?? 'steady',
  });
}

const run = (records: MessageRecord[]) => summarize({ records, endedAt: END, directDeadlineMs: 15_000 });

describe('chaos report arithmetic', () => {
  it('counts a queued message stored, then delivered once, as delivered and stored-then-delivered, with one final outcome', () => {
    const l = new Ledger();
    message(l, 'q1', 'queued');
    l.answer('q1', 'enqueued', 5);
    l.outcome('q1', 'stored', 10);
    l.receipt('q1', DEVICE, 20);
    l.outcome('q1', 'delivered', 30);
    const { paths, failures } = run(l.all());
    expect(paths.queued).toMatchObject({
      accepted: 1,
      eligible: 1,
      delivered: 1,
      storedThenDelivered: 1,
      lost: 0,
      deliveredPct: 100,
      finalOutcomes: { one: 1, none: 0, several: 0 },
    });
    expect(failures).toEqual([]);
  });

  it('calls an undelivered message lost when its TTL outlives the run and expired when it ended within it', () => {
    const l = new Ledger();
    message(l, 'long', 'queued');
    message(l, 'short', 'queued', { ttlSeconds: 10 });
    for (const id of ['long', 'short']) l.answer(id, 'enqueued', 1);
    l.outcome('short', 'expired', 11_000);
    const { paths, failures } = run(l.all());
    expect(paths.queued).toMatchObject({ accepted: 2, eligible: 1, lost: 1, expired: 1, delivered: 0, deliveredPct: 0 });
    expect(paths.queued.finalOutcomes).toEqual({ one: 1, none: 1, several: 0 });
    expect(failures).toEqual([
      'queued: 1 lost (TTL outlives the run, never reached the app)',
      'queued: 1 accepted messages without a final outcome',
    ]);
  });

  it('flags a delivered outcome or answer the app never saw as a false report, and repeats at the app as duplicates', () => {
    const l = new Ledger();
    message(l, 'q', 'queued');
    l.answer('q', 'enqueued', 1);
    l.outcome('q', 'delivered', 2);
    message(l, 'd', 'direct');
    l.answer('d', 'acknowledged', 3);
    message(l, 'twice', 'direct');
    l.answer('twice', 'delivered', 3);
    l.receipt('twice', DEVICE, 4);
    l.receipt('twice', DEVICE, 5);
    const { paths, failures } = run(l.all());
    expect(paths.queued.falseReports).toBe(1);
    expect(paths.direct).toMatchObject({ falseReports: 1, duplicates: 1, delivered: 1, lost: 1 });
    expect(failures).toContain('direct: 1 duplicates at the app');
    expect(failures).toContain('queued: 1 reported delivered/acknowledged but never received');
  });

  it('does not count a truthfully refused direct send or a refused enqueue as lost', () => {
    const l = new Ledger();
    message(l, 'd', 'direct', { phase: 'kill-registry' });
    l.answer('d', 'unavailable', 100);
    message(l, 'q', 'queued');
    l.answer('q', 'enqueue_failed:queue_unavailable', 100);
    const { paths, directAnswers, failures } = run(l.all());
    expect(paths.direct).toMatchObject({ attempted: 1, accepted: 0, refused: 1, lost: 0 });
    expect(paths.queued).toMatchObject({ attempted: 1, accepted: 0, refused: 1, answers: { 'enqueue_failed:queue_unavailable': 1 } });
    expect(directAnswers.byPhase).toEqual({ 'kill-registry': { unavailable: 1 } });
    expect(failures).toEqual([]);
  });

  it('holds a refused enqueue to account once an outcome shows the processor got it', () => {
    const l = new Ledger();
    message(l, 'q', 'queued');
    l.answer('q', 'enqueue_failed:unavailable', 10_000);
    l.outcome('q', 'not_connected', 10_500);
    expect(run(l.all()).paths.queued).toMatchObject({ accepted: 1, refused: 0, lost: 1, lostBy: { not_connected: 1 } });
  });

  it('counts a direct send that answered a failure but arrived as delivered despite the failure', () => {
    const l = new Ledger();
    message(l, 'd', 'direct');
    l.answer('d', 'unavailable', 20_000);
    l.receipt('d', DEVICE, 50);
    const { paths, directAnswers } = run(l.all());
    expect(paths.direct).toMatchObject({ accepted: 1, delivered: 1, deliveredDespiteFailure: 1 });
    expect(directAnswers).toMatchObject({ late: 1, unanswered: 0 });
  });

  it('fails on a direct send never answered and on a push at the wrong device', () => {
    const l = new Ledger();
    message(l, 'd', 'direct');
    l.receipt('d', 'acct/other', 5);
    const { paths, failures } = run(l.all());
    expect(paths.direct.misdelivered).toBe(1);
    expect(failures).toEqual(['direct: 1 pushes reached a device they were not for', 'direct: 1 sends never answered']);
  });

  it('tells which phase lost messages, keeps sample ids, and checks the targets', () => {
    const l = new Ledger();
    message(l, 'kept', 'queued');
    l.answer('kept', 'enqueued', 1);
    l.receipt('kept', DEVICE, 2);
    l.outcome('kept', 'delivered', 3);
    l.outcome('kept', 'delivered', 4);
    message(l, 'dropped', 'queued', { phase: 'dynamodb-outage' });
    l.answer('dropped', 'enqueued', 1);
    l.outcome('dropped', 'not_connected', 2);
    const summary = run(l.all());
    expect(summary.paths.queued.lostByPhase).toEqual({ 'dynamodb-outage': 1 });
    expect(summary.paths.queued.lostBy).toEqual({ not_connected: 1 });
    expect(summary.paths.queued.samples).toEqual({
      lost: ['dropped'],
      duplicates: [],
      falseReports: [],
      severalFinals: ['kept: delivered,delivered'],
    });
    // Delivered %, no false report, no duplicate, one final outcome each, direct answers in time.
    expect(targetChecks(summary).map((c) => c.met)).toEqual([false, true, true, false, true]);
  });

  it('fails on a queued message with two final outcomes and on an accepted one with none', () => {
    const l = new Ledger();
    message(l, 'q1', 'queued');
    l.answer('q1', 'enqueued', 5);
    l.receipt('q1', DEVICE, 20);
    l.outcome('q1', 'delivered', 30);
    l.outcome('q1', 'delivered', 40);
    message(l, 'q2', 'queued');
    l.answer('q2', 'enqueued', 5);
    l.outcome('q2', 'stored', 10);
    l.receipt('q2', DEVICE, 20);
    const { paths, failures } = run(l.all());
    expect(paths.queued.finalOutcomes).toEqual({ one: 0, none: 1, several: 1 });
    expect(failures).toEqual([
      'queued: 1 messages with more than one final outcome',
      'queued: 1 accepted messages without a final outcome',
    ]);
  });

  it('takes quantiles by rank', () => {
    expect(quantiles([])).toEqual({ p50: 0, p99: 0, max: 0 });
    expect(quantiles([5, 1, 3, 2, 4])).toEqual({ p50: 3, p99: 5, max: 5 });
  });
});
