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
const unit = nx(['run-many', '-t', 'test', '--parallel=2']);
const integration = nx(['run-many', '-t', 'integration', '--parallel=1']);

let passed = 0, failed = 0, skipped = 0;
if (existsSync(tally)) {
  for (const line of readFileSync(tally, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line);
    passed += r.passed; failed += r.failed; skipped += r.skipped;
  }
}
const ok = unit === 0 && integration === 0 && failed === 0 && passed > 0;
if (!ok && failed === 0) failed = 1; // a runner that crashed before reporting still fails the run
console.log(`\nTests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(ok ? 0 : 1);
