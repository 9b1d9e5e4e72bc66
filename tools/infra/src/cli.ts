#!/usr/bin/env node
/**
 * pushwire-infra: `up` starts Kafka and DynamoDB Local detached and returns, `down` stops exactly
 * those processes, `status` says whether they still run. Wired as `npm run infra:up|infra:down|infra:status`.
 */
import { PushwireError } from '@pushwire/protocol';
import { DEFAULT_ROOT_DIR, infraPaths } from './components';
import { readUpState, removeUpFiles, writeUpFiles } from './infra-files';
import { isOurs, rssKiB } from './processes';
import { startInfra } from './start';
import { recordedProcesses, stopRun, type RunState } from './state';

const HELP = `Usage: tsx tools/infra/src/cli.ts <command> [options]

Runs a real Apache Kafka 3.9 broker (KRaft) and DynamoDB Local as Java processes on free loopback
ports, without Docker. Jars come from Maven Central once and are cached in .pushwire/jars.

Commands:
  up       fetch the jars if needed, start both, wait until they answer, write .pushwire/infra.env
           (KAFKA_BROKERS, DYNAMODB_ENDPOINT, AWS_*) and .pushwire/infra.json (pids), then return;
           the processes keep running. Does nothing if they are already up.
  down     stop exactly the processes \`up\` started (SIGTERM, then SIGKILL after 15 s) and remove
           the files and the run folder.
  status   print the endpoints, pids and memory of what \`up\` started; exit 1 if anything is down.

Options:
  --no-kafka        up: do not start Kafka
  --no-dynamodb     up: do not start DynamoDB Local
  --root <dir>      repository root holding .pushwire/ (default: this checkout)
  -h, --help        this text

Environment:
  PUSHWIRE_JARS_DIR  jar cache folder (default <root>/.pushwire/jars), e.g. a CI cache
Requires Java 17+ (and Maven for the first fetch). Load the endpoints in a shell with:
  set -a; . .pushwire/infra.env; set +a`;

interface Args {
  command?: string;
  kafka: boolean;
  dynamodb: boolean;
  rootDir: string;
  help: boolean;
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { kafka: true, dynamodb: true, rootDir: DEFAULT_ROOT_DIR, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') args.help = true;
    else if (arg === '--no-kafka') args.kafka = false;
    else if (arg === '--no-dynamodb') args.dynamodb = false;
    else if (arg === '--root') {
      const value = argv[++i];
      if (!value) throw new UsageError('--root needs a folder');
      args.rootDir = value;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (args.command) throw new UsageError(`unexpected argument ${arg}`);
    else args.command = arg;
  }
  return args;
}

/** A wrong command line: printed with the help text. */
class UsageError extends PushwireError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('invalid_request', message);
  }
}

const say = (msg: string) => process.stderr.write(`[infra] ${msg}\n`);

function describe(state: RunState): string {
  const lines: string[] = [];
  for (const [name, proc, address, log] of [
    ['kafka', state.kafka, state.kafka?.brokers, state.kafka?.serverLog ?? state.kafka?.logFile],
    ['dynamodb-local', state.dynamodb, state.dynamodb?.endpoint, state.dynamodb?.logFile],
  ] as const) {
    if (!proc) continue;
    const up = isOurs(proc);
    const rss = up ? rssKiB(proc.pid) : undefined;
    lines.push(
      `${name.padEnd(15)}${(address ?? '').padEnd(26)}pid ${String(proc.pid).padEnd(8)}${up ? 'running' : 'NOT RUNNING'}${rss ? `  rss ${Math.round(rss / 1024)} MiB` : ''}`,
    );
    lines.push(`${''.padEnd(15)}log ${log}`);
  }
  return lines.join('\n');
}

async function up(args: Args): Promise<number> {
  const previous = readUpState(args.rootDir);
  if (previous) {
    const procs = recordedProcesses(previous);
    if (procs.length && procs.every(isOurs)) {
      say('already up (run `down` first to restart):');
      process.stdout.write(describe(previous) + '\n');
      return 0;
    }
    say(`the previous run ${previous.runId} is no longer complete; stopping what is left of it`);
    await stopRun(previous, say);
    removeUpFiles(args.rootDir);
  }
  const infra = await startInfra({ kafka: args.kafka, dynamodb: args.dynamodb, rootDir: args.rootDir, persistent: true, log: say });
  writeUpFiles(args.rootDir, infra.state);
  const t = infra.timings;
  process.stdout.write(
    [
      describe(infra.state),
      `ready in ${(t.totalMs / 1000).toFixed(1)} s` +
        (t.fetchKafkaMs || t.fetchDynamodbMs ? ` (fetch: kafka ${sec(t.fetchKafkaMs)}, dynamodb-local ${sec(t.fetchDynamodbMs)})` : '') +
        ` (kafka ${sec(t.kafkaReadyMs)}, dynamodb-local ${sec(t.dynamodbReadyMs)})`,
      `endpoints in ${infraPaths(args.rootDir).envFile}; stop with: npm run infra:down`,
      '',
    ].join('\n'),
  );
  return 0;
}

const sec = (ms?: number) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

async function down(args: Args): Promise<number> {
  const state = readUpState(args.rootDir);
  if (!state) {
    say('nothing is up');
    return 0;
  }
  await stopRun(state, say);
  removeUpFiles(args.rootDir);
  say('down');
  return 0;
}

function status(args: Args): number {
  const state = readUpState(args.rootDir);
  if (!state) {
    say('nothing is up (start with: npm run infra:up)');
    return 1;
  }
  process.stdout.write(describe(state) + '\n');
  return recordedProcesses(state).every(isOurs) ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${HELP}\n`);
    return 2;
  }
  if (args.help || !args.command) {
    process.stdout.write(HELP + '\n');
    return args.help ? 0 : 2;
  }
  switch (args.command) {
    case 'up':
      return up(args);
    case 'down':
      return down(args);
    case 'status':
      return status(args);
    default:
      process.stderr.write(`unknown command ${args.command}\n\n${HELP}\n`);
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`[infra] ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
