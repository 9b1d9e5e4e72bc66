import { JOURNAL_STAGES, type DetailInput, type JournalDetail, type JournalStage } from '@pushwire/protocol';

/** Detail strings are cut to this length: a journal holds facts, not payloads or stack traces. */
export const MAX_DETAIL_STRING = 200;
const MAX_DETAIL_KEYS = 8;

/** Each stage as one character (its index in base 36): the closed set fits in one. */
const STAGE_CODE = Object.fromEntries(JOURNAL_STAGES.map((s, i) => [s, i.toString(36)])) as Record<JournalStage, string>;

/** The fields of one journal line after its message id and time (SegmentLog's text). */
export interface LineFields {
  readonly stage: JournalStage;
  readonly service: string;
  /** Epoch ms of the event when a caller named one other than the recording time. */
  readonly at: number | undefined;
  readonly accountId: string | undefined;
  readonly deviceId: string | undefined;
  readonly traceId: string | undefined;
  readonly detail: JournalDetail | undefined;
}

/**
 * The text of a journal line: `stage+service \t accountId \t deviceId \t at-offset \t traceId \t
 * detail-JSON`, empty fields for what is absent. Ids match the protocol's ID_PATTERN
 * (`[A-Za-z0-9._:@-]`), trace ids are hex, the service is a number (`serviceCode`), `at` an offset
 * from `now`, and the detail is JSON (which escapes every control character): so no field holds a
 * tab or a newline and the line splits back unambiguously.
 */
export function encodeLine(
  stage: JournalStage,
  serviceCode: number,
  accountId: string | undefined,
  deviceId: string | undefined,
  at: number | undefined,
  now: number,
  traceId: string | undefined,
  detail: DetailInput | undefined,
): string {
  return `${STAGE_CODE[stage]}${serviceCode}\t${accountId ?? ''}\t${deviceId ?? ''}\t${at === undefined || at === now ? '' : at - now}\t${traceId ?? ''}\t${detail === undefined ? '' : encodeDetail(detail)}`;
}

/**
 * Reads back what `encodeLine` wrote; `recordedAt` is the line's time, `services` the table of
 * service codes. Undefined for a line that does not parse (only an id that broke the protocol's
 * pattern could make one): it is skipped rather than answered half-read.
 */
export function decodeLine(text: string, recordedAt: number, services: readonly string[]): LineFields | undefined {
  const f = text.split('\t', 6);
  if (f.length !== 6) return undefined;
  const code = f[0]!;
  const stage = JOURNAL_STAGES[parseInt(code[0]!, 36)];
  const at = f[3] === '' ? undefined : recordedAt + Number(f[3]);
  if (stage === undefined || Number.isNaN(recordedAt) || Number.isNaN(at)) return undefined;
  let detail: JournalDetail | undefined;
  try {
    detail = f[5] ? (JSON.parse(f[5]) as JournalDetail) : undefined;
  } catch {
    return undefined;
  }
  return {
    stage,
    service: services[Number(code.slice(1))] ?? '?',
    at,
    accountId: f[1] || undefined,
    deviceId: f[2] || undefined,
    traceId: f[4] || undefined,
    detail,
  };
}

/**
 * The detail as a JSON object: at most a few keys, strings cut short, undefined values (and
 * numbers JSON cannot hold) left out; '' when nothing is left. Written by hand rather than with
 * JSON.stringify of a copy: it runs for every delivery and this way allocates only the string.
 */
export function encodeDetail(detail: DetailInput): string {
  let out = '';
  let keys = 0;
  for (const key in detail) {
    const value = detail[key];
    let json: string;
    if (typeof value === 'string')
      json = JSON.stringify(value.length > MAX_DETAIL_STRING ? `${value.slice(0, MAX_DETAIL_STRING)}…` : value);
    else if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      json = `${value}`;
    } else if (typeof value === 'boolean') json = value ? 'true' : 'false';
    else continue;
    if (++keys > MAX_DETAIL_KEYS) break;
    out += `${keys === 1 ? '{' : ','}${keyJson(key)}:${json}`;
  }
  return keys === 0 ? '' : `${out}}`;
}

/** Detail keys are a handful of names in code: each is quoted once and remembered (a bounded cache). */
const keyJsonCache = new Map<string, string>();
function keyJson(key: string): string {
  let json = keyJsonCache.get(key);
  if (json === undefined) {
    json = JSON.stringify(key);
    if (keyJsonCache.size < 256) keyJsonCache.set(key, json);
  }
  return json;
}
