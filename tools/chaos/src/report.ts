import { DELIVERED_STATUSES, type MessageRecord, type PushPath } from './ledger';

/**
 * The report's arithmetic: from the ledger's records to per-path figures and a verdict. Pure, so the
 * definitions below are what the unit spec pins down.
 *
 * - accepted: queued — the broker took the enqueue; direct — the send answered delivered,
 *   acknowledged, ack_timeout or stored; either — the device got it anyway (or, queued, an outcome
 *   record shows the processor got it after all). A direct send that
 *   answered a failure (not_connected, unavailable, …), or an enqueue that was refused, and never
 *   arrived was refused truthfully: the sender knows.
 * - eligible: accepted and its TTL outlives the run (sentAt + ttl > end of the run).
 * - accepted = delivered + expired + lost: a message not at the app by the end is `expired` if its
 *   TTL ended within the run, else `lost`.
 * - false report: the sender (direct answer) or an outcome record said delivered/acknowledged, and
 *   the app never got it. Duplicate: the app got it more than once.
 */

/** Figures of one path (direct or queued). */
export interface PathFigures {
  readonly path: PushPath;
  /** Every message attempted (for queued, enqueue refusals included). */
  readonly attempted: number;
  readonly accepted: number;
  /** Direct: answered a failure and never arrived. Queued: the enqueue was refused. */
  readonly refused: number;
  readonly eligible: number;
  readonly delivered: number;
  readonly deliveredEligible: number;
  readonly storedThenDelivered: number;
  readonly expired: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly falseReports: number;
  readonly misdelivered: number;
  /** Delivered though the sender was told a failure (not_connected, unavailable, a refused enqueue…). */
  readonly deliveredDespiteFailure: number;
  /** Messages whose push frame reached the device more than once (the SDK hid the repeats). */
  readonly wireRepeats: number;
  /** deliveredEligible / eligible, in percent (100 when nothing was eligible). */
  readonly deliveredPct: number;
  /** Sent → first at the app, over delivered messages. */
  readonly deliveryMs: Quantiles;
  /** Direct: the status histogram; queued: enqueued / enqueue_failed:<code>. */
  readonly answers: Record<string, number>;
  /** Queued only: how many final outcome records (any status but `stored`) each accepted message got. */
  readonly finalOutcomes?: { readonly one: number; readonly none: number; readonly several: number };
  /** Lost messages by the phase they were sent in: which fault loses them. */
  readonly lostByPhase: Record<string, number>;
  /** Lost messages by the last outcome (queued) or answer (direct) the sender saw: why they were given up. */
  readonly lostBy: Record<string, number>;
  /** A few ids of each kind of trouble, to look up in the service logs (`id: outcome statuses` for several finals). */
  readonly samples: Record<'lost' | 'duplicates' | 'falseReports' | 'severalFinals', string[]>;
}

/** How many ids of each kind `samples` keeps. */
export const SAMPLE_IDS = 10;

/** p50 / p99 / max in milliseconds (0 when there is no sample). */
export interface Quantiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** How the direct sends answered: time to answer, and answers missing or later than the deadline. */
export interface DirectAnswerFigures {
  readonly answerMs: Quantiles;
  /** Answered later than the deadline. */
  readonly late: number;
  /** No answer by the end of the run. */
  readonly unanswered: number;
  readonly deadlineMs: number;
  /** Status histogram per phase the send was made in. */
  readonly byPhase: Record<string, Record<string, number>>;
}

/** Everything the report's figures need from a run. */
export interface SummaryInput {
  readonly records: readonly MessageRecord[];
  /** End of the run (epoch ms): TTLs ending after it outlive the run. */
  readonly endedAt: number;
  /** A direct answer later than this is late. */
  readonly directDeadlineMs: number;
}

export interface Summary {
  readonly paths: { readonly direct: PathFigures; readonly queued: PathFigures };
  readonly directAnswers: DirectAnswerFigures;
  /** Why the run fails; empty when it passes. */
  readonly failures: string[];
}

const ACCEPTED_DIRECT = new Set(['delivered', 'acknowledged', 'ack_timeout', 'stored']);

/** Whether the sender may count on the message: see the definitions at the top of this file. */
export function isAccepted(r: MessageRecord): boolean {
  // An enqueue that timed out may still have been written: an outcome record proves the processor got it.
  return r.appReceipts > 0 || acceptedAnswer(r) || (r.path === 'queued' && r.outcomes.length > 0);
}

/** The sender was told the message was taken: enqueued, or a direct answer that is not a failure. */
const acceptedAnswer = (r: MessageRecord): boolean =>
  r.path === 'queued' ? r.answer === 'enqueued' : r.answer !== undefined && ACCEPTED_DIRECT.has(r.answer);

export function quantiles(values: readonly number[]): Quantiles {
  if (values.length === 0) return { p50: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

const increment = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

export function pathFigures(path: PushPath, all: readonly MessageRecord[], endedAt: number): PathFigures {
  const records = all.filter((r) => r.path === path);
  const answers: Record<string, number> = {};
  const f = {
    accepted: 0,
    eligible: 0,
    delivered: 0,
    deliveredEligible: 0,
    storedThenDelivered: 0,
    expired: 0,
    lost: 0,
    duplicates: 0,
    falseReports: 0,
    misdelivered: 0,
    deliveredDespiteFailure: 0,
    wireRepeats: 0,
  };
  const finals = { one: 0, none: 0, several: 0 };
  const lostByPhase: Record<string, number> = {};
  const lostBy: Record<string, number> = {};
  const samples: PathFigures['samples'] = { lost: [], duplicates: [], falseReports: [], severalFinals: [] };
  const sample = (kind: keyof PathFigures['samples'], id: string) => {
    if (samples[kind].length < SAMPLE_IDS) samples[kind].push(id);
  };
  const deliveryMs: number[] = [];
  for (const r of records) {
    increment(answers, r.answer ?? 'no_answer');
    f.misdelivered += r.misdelivered;
    if (r.wireFrames > 1) f.wireRepeats++;
    if (!isAccepted(r)) continue;
    f.accepted++;
    const delivered = r.appReceipts > 0;
    const eligible = r.sentAt + r.ttlSeconds * 1000 > endedAt;
    const said = [r.path === 'direct' ? r.answer : undefined, ...r.outcomes.map((o) => o.status)];
    if (eligible) f.eligible++;
    if (delivered) {
      f.delivered++;
      if (eligible) f.deliveredEligible++;
      if (said.includes('stored')) f.storedThenDelivered++;
      if (r.appReceipts > 1) {
        f.duplicates++;
        sample('duplicates', r.id);
      }
      if (!acceptedAnswer(r)) f.deliveredDespiteFailure++;
      if (r.firstReceivedAt !== undefined) deliveryMs.push(r.firstReceivedAt - r.sentAt);
    } else {
      if (eligible) {
        f.lost++;
        increment(lostByPhase, r.phase);
        increment(lostBy, r.outcomes.at(-1)?.status ?? (r.path === 'direct' ? (r.answer ?? 'no_answer') : 'no_outcome'));
        sample('lost', r.id);
      } else f.expired++;
      if (said.some((s) => s !== undefined && DELIVERED_STATUSES.has(s))) {
        f.falseReports++;
        sample('falseReports', r.id);
      }
    }
    if (path === 'queued') {
      const n = r.outcomes.filter((o) => o.status !== 'stored').length;
      if (n === 0) finals.none++;
      else if (n === 1) finals.one++;
      else {
        finals.several++;
        sample('severalFinals', `${r.id}: ${r.outcomes.map((o) => o.status).join(',')}`);
      }
    }
  }
  return {
    path,
    attempted: records.length,
    refused: records.length - f.accepted,
    ...f,
    deliveredPct: f.eligible === 0 ? 100 : (100 * f.deliveredEligible) / f.eligible,
    deliveryMs: quantiles(deliveryMs),
    answers,
    ...(path === 'queued' ? { finalOutcomes: finals } : {}),
    lostByPhase,
    lostBy,
    samples,
  };
}

export function directAnswerFigures(all: readonly MessageRecord[], deadlineMs: number): DirectAnswerFigures {
  const direct = all.filter((r) => r.path === 'direct');
  const times: number[] = [];
  const byPhase: Record<string, Record<string, number>> = {};
  let late = 0;
  let unanswered = 0;
  for (const r of direct) {
    increment((byPhase[r.phase] ??= {}), r.answer ?? 'no_answer');
    if (r.answeredAt === undefined) {
      unanswered++;
      continue;
    }
    const ms = r.answeredAt - r.sentAt;
    times.push(ms);
    if (ms > deadlineMs) late++;
  }
  return { answerMs: quantiles(times), late, unanswered, deadlineMs, byPhase };
}

/** The figures, and the verdict: any loss, duplicate, false report, misdelivery, unanswered direct send, or queued message without exactly one final outcome fails. */
export function summarize(input: SummaryInput): Summary {
  const direct = pathFigures('direct', input.records, input.endedAt);
  const queued = pathFigures('queued', input.records, input.endedAt);
  const directAnswers = directAnswerFigures(input.records, input.directDeadlineMs);
  const failures: string[] = [];
  for (const p of [direct, queued]) {
    if (p.lost) failures.push(`${p.path}: ${p.lost} lost (TTL outlives the run, never reached the app)`);
    if (p.duplicates) failures.push(`${p.path}: ${p.duplicates} duplicates at the app`);
    if (p.falseReports) failures.push(`${p.path}: ${p.falseReports} reported delivered/acknowledged but never received`);
    if (p.misdelivered) failures.push(`${p.path}: ${p.misdelivered} pushes reached a device they were not for`);
  }
  if (directAnswers.unanswered) failures.push(`direct: ${directAnswers.unanswered} sends never answered`);
  const finals = queued.finalOutcomes;
  if (finals?.several) failures.push(`queued: ${finals.several} messages with more than one final outcome`);
  if (finals?.none) failures.push(`queued: ${finals.none} accepted messages without a final outcome`);
  return { paths: { direct, queued }, directAnswers, failures };
}

/** One of the targets, met or not, with the figure behind it. */
export interface TargetCheck {
  readonly target: string;
  readonly met: boolean;
  readonly figure: string;
}

/** The targets that a soak measures (the welcome → stored message latency is the edge's integration test). */
export function targetChecks(summary: Summary): TargetCheck[] {
  const { direct, queued } = summary.paths;
  const finals = queued.finalOutcomes ?? { one: 0, none: 0, several: 0 };
  const eligible = direct.eligible + queued.eligible;
  const deliveredPct = eligible === 0 ? 100 : (100 * (direct.deliveredEligible + queued.deliveredEligible)) / eligible;
  const a = summary.directAnswers;
  return [
    {
      target: '≥ 99.99 % of messages whose TTL outlives the run delivered to the app exactly once',
      met: deliveredPct >= 99.99 && direct.duplicates + queued.duplicates === 0,
      figure: `${deliveredPct.toFixed(3)} % (direct ${direct.deliveredPct.toFixed(3)} %, queued ${queued.deliveredPct.toFixed(3)} %)`,
    },
    {
      target: '0 reported delivered or acknowledged that the device did not get',
      met: direct.falseReports + queued.falseReports === 0,
      figure: String(direct.falseReports + queued.falseReports),
    },
    {
      target: '0 duplicates at the app',
      met: direct.duplicates + queued.duplicates === 0,
      figure: String(direct.duplicates + queued.duplicates),
    },
    {
      target: 'every queued message ends with exactly one final outcome',
      met: finals.none === 0 && finals.several === 0,
      figure: `${finals.one} one, ${finals.none} none, ${finals.several} several`,
    },
    {
      target: 'direct pushes during faults answer within their timeout with a truthful status',
      met: a.late === 0 && a.unanswered === 0 && direct.falseReports === 0,
      figure: `${a.late} later than ${a.deadlineMs / 1000} s, ${a.unanswered} unanswered, max ${a.answerMs.max} ms`,
    },
  ];
}
