import { DEAD_LETTER_REASONS, Validators, type DlqListResponse, type DlqReplayResponse } from '@pushwire/protocol';
import { joinUrl, JsonHttpClient } from '@pushwire/service-http';
import { positiveInt, printJson, UsageError, type Command } from './cli';
import { endpoints } from './endpoints';

const SELECT_USAGE = `[--reason ${DEAD_LETTER_REASONS.join('|')}] [--message-id ID[,ID…]]… [--limit N] [--processor URL]`;
const selectOptions = {
  reason: { type: 'string' },
  'message-id': { type: 'string', multiple: true },
  limit: { type: 'string' },
  processor: { type: 'string' },
} as const;

/** The selection flags, checked: a known reason, message ids (repeated or comma-separated), a limit. */
function selection(v: Record<string, unknown>) {
  const reason = v.reason as string | undefined;
  if (reason !== undefined && !(DEAD_LETTER_REASONS as readonly string[]).includes(reason))
    throw new UsageError(`--reason must be one of ${DEAD_LETTER_REASONS.join(', ')}, got "${reason}"`);
  const ids = ((v['message-id'] as string[] | undefined) ?? []).flatMap((s) => s.split(',')).filter(Boolean);
  const limit = positiveInt(v, 'limit');
  return { ...(reason ? { reason } : {}), ...(ids.length ? { messageId: ids } : {}), ...(limit ? { limit } : {}) };
}

/** Calls the processor's dead-letter API; prints a refusal and answers undefined. */
async function call<T>(
  v: Record<string, unknown>,
  method: 'GET' | 'POST',
  path: string,
  opts: { body?: unknown; query?: string } = {},
): Promise<T | undefined> {
  const base = joinUrl((v.processor as string | undefined) ?? endpoints.processorUrl(), 'v1', 'dlq', ...(path ? [path] : []));
  const url = opts.query ? `${base}?${opts.query}` : base;
  const { body } = opts;
  const http = new JsonHttpClient({ serviceToken: endpoints.serviceToken(), timeoutMs: 30_000 });
  try {
    const res = await http.call(method, url, body === undefined ? {} : { body });
    if (res.status === 200) return res.body as T;
    const error = Validators.errorBody.is(res.body) ? res.body.error : { message: `HTTP ${res.status}` };
    process.stderr.write(`pushctl: dlq ${path || 'list'} refused (${res.status}): ${error.message}\n`);
    return undefined;
  } finally {
    await http.close();
  }
}

const partial = (r: { complete: boolean; more: boolean }) =>
  `${r.complete ? '' : '; the scan timed out before the end of the topic (partial)'}${r.more ? '; more match (raise --limit)' : ''}`;

const listCommand: Command = {
  name: 'list',
  summary: 'list dead letters (pushwire.push-dlq), the oldest first, one JSON line each',
  usage: `pushctl dlq list ${SELECT_USAGE}`,
  options: selectOptions,
  async run(v) {
    const s = selection(v);
    const query = new URLSearchParams({
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.messageId ? { messageId: s.messageId.join(',') } : {}),
      ...(s.limit ? { limit: String(s.limit) } : {}),
    }).toString();
    const res = await call<DlqListResponse>(v, 'GET', '', { query });
    if (!res) return 1;
    for (const e of res.entries) printJson({ partition: e.partition, offset: e.offset, ...e.record });
    process.stderr.write(`pushctl: ${res.entries.length} dead letter(s) of ${res.scanned} record(s) read${partial(res)}\n`);
    return 0;
  },
};

const replayCommand: Command = {
  name: 'replay',
  summary: 'put selected dead letters back on the request topic they came from',
  usage: [
    `pushctl dlq replay ${SELECT_USAGE} [--ttl SECONDS] [--dry-run]`,
    '  Name what to replay: --reason and/or --message-id. --ttl gives each a fresh TTL from now (without it,',
    '  one whose TTL has ended is skipped). --dry-run prints what would be replayed. One JSON line per record.',
  ].join('\n'),
  options: { ...selectOptions, ttl: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  async run(v) {
    const s = selection(v);
    if (!s.reason && !s.messageId) throw new UsageError('name what to replay: --reason and/or --message-id');
    const ttlSeconds = positiveInt(v, 'ttl');
    const dryRun = v['dry-run'] === true;
    const res = await call<DlqReplayResponse>(v, 'POST', 'replay', { body: { ...s, ...(ttlSeconds ? { ttlSeconds } : {}), dryRun } });
    if (!res) return 1;
    const verb = res.dryRun ? 'would replay' : 'replayed';
    for (const item of res.replayed) printJson({ [verb.replace(' ', '_')]: true, ...item });
    for (const item of res.skipped) printJson({ skipped: true, ...item, why: item.skipped });
    process.stderr.write(`pushctl: ${verb} ${res.replayed.length}, skipped ${res.skipped.length}${partial(res)}\n`);
    return 0;
  },
};

const subcommands = [listCommand, replayCommand];

/** `pushctl dlq list|replay`: the processor's dead letters (its HTTP API, so `npm start`'s in-memory bus too). */
export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'dead letters: `dlq list` shows them, `dlq replay` re-drives selected ones',
  usage: subcommands.map((c) => c.usage).join('\n'),
  options: {},
  subcommands,
  async run() {
    throw new UsageError('name a subcommand: list or replay');
  },
};
