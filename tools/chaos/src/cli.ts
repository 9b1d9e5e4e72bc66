/**
 * `npm run chaos [-- --quick] [--out DIR]`: the chaos soak of issue 13 (see runSoak). Writes
 * docs/reliability/chaos-<quick|full>.md and .json; with --quick, exits 1 on any loss, duplicate at
 * the app or false report. Ctrl-C stops everything it started.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_ROOT_DIR } from '@pushwire/infra';
import { FULL, QUICK } from './profiles';
import { renderJson, renderMarkdown } from './render';
import { runSoak } from './soak';

const HELP = `Usage: npm run chaos [-- --quick] [--out DIR]

Starts its own Kafka and DynamoDB Local (data on disk, free ports), the cluster (registry, device
list, two edges, processor), SDK devices over both edges, direct and queued pushes at fixed rates,
and injects faults one after another: SIGKILL of each edge, the processor, the registry, the device
list; DynamoDB Local down 15 s; the Kafka broker killed and restarted; the whole cluster stopped
while pushes are enqueued, then started again. Writes chaos-<quick|full>.md and .json to DIR
(default docs/reliability).

  --quick   fewer devices, lower rates, shorter phases (about 6 minutes); exit 1 on any loss,
            duplicate at the app or false report (the full run reports and exits 0 unless it broke)
Needs Java 17+ (and Maven the first time, for the jars). Ctrl-C stops everything it started.`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const profile = values.quick ? QUICK : FULL;
  const outDir = path.resolve(values.out ?? path.join(DEFAULT_ROOT_DIR, 'docs', 'reliability'));
  const log = (msg: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
  process.env.PUSHWIRE_LOG_LEVEL ??= 'warn';
  // The AWS SDK warns at its first client that its 2027 releases need Node 22; the SDK is pinned.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const abort = new AbortController();
  let interrupted = false;
  const onSignal = (sig: string) => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: stopping everything this run started…`);
    abort.abort(sig);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  const deadline = setTimeout(() => abort.abort(`deadline of ${profile.deadlineSeconds} s`), profile.deadlineSeconds * 1000);
  deadline.unref();

  const result = await runSoak({ profile, rootDir: DEFAULT_ROOT_DIR, log, signal: abort.signal });
  clearTimeout(deadline);
  if (interrupted) return 130;
  mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `chaos-${profile.name}`);
  writeFileSync(`${base}.md`, renderMarkdown(result));
  writeFileSync(`${base}.json`, renderJson(result));
  log(`report: ${base}.md`);
  const { failures } = result.summary;
  for (const failure of failures) log(`FAIL ${failure}`);
  if (result.aborted) return 1;
  return profile.name === 'quick' && failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('chaos:', error);
    process.exit(1);
  },
);
