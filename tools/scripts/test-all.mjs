// `npm test`: every project's unit tests, then every integration suite (one at a time: they open
// real sockets and start real servers), then one closing line with the totals.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const tally = fileURLToPath(new URL('../../.pushwire/test-tally.jsonl', import.meta.url));
mkdirSync(fileURLToPath(new URL('../../.pushwire/', import.meta.url)), { recursive: true });
rmSync(tally, { force: true });
process.env.PUSHWIRE_TEST_TALLY = tally;

const nx = (args) => spawnSync('npx', ['nx', ...args, '--outputStyle=stream', '--skip-nx-cache'], { stdio: 'inherit' }).status ?? 1;
// The AWS SDK warns at every client that its 2027 releases need Node 22; the SDK is pinned.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const unit = nx(['run-many', '-t', 'test', '--parallel=2']);

// One Kafka broker and one DynamoDB Local for every integration suite (each suite's jest global
// setup reuses a running `infra up`), unless the environment already points at some, or an
// `infra up` of the developer's already runs (then it is left running, as found).
const infraCli = (command) =>
  spawnSync('npx', ['tsx', 'tools/infra/src/cli.ts', command], { stdio: ['ignore', 'inherit', 'inherit'] }).status;
const ownInfra =
  !(process.env.KAFKA_BROKERS && process.env.DYNAMODB_ENDPOINT) &&
  spawnSync('npx', ['tsx', 'tools/infra/src/cli.ts', 'status'], { stdio: 'ignore' }).status !== 0;
if (ownInfra && infraCli('up') !== 0) console.error('infra up failed; each integration suite will try to start its own');
let integration;
try {
  integration = nx(['run-many', '-t', 'integration', '--parallel=1']);
} finally {
  if (ownInfra) infraCli('down');
}

let passed = 0,
  failed = 0,
  skipped = 0;
if (existsSync(tally)) {
  for (const line of readFileSync(tally, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line);
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
  }
}
const ok = unit === 0 && integration === 0 && failed === 0 && passed > 0;
if (!ok && failed === 0) failed = 1; // a runner that crashed before reporting still fails the run
console.log(`\nTests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(ok ? 0 : 1);
