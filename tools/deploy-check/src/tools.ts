import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

/** The helm release built from the Go module proxy (no download site is reachable from CI). */
export const HELM_MODULE = 'helm.sh/helm/v4/cmd/helm';
export const HELM_VERSION = 'v4.3.2';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const BIN_DIR = join(REPO_ROOT, '.pushwire/bin');
export const CHART_DIR = join(REPO_ROOT, 'deploy/helm/pushwire');
const VALIDATOR_SRC = join(REPO_ROOT, 'tools/deploy-check/validator');

/** Paths of the two programs the chart checks run. */
export interface DeployTools {
  helm: string;
  validator: string;
}

/** What a missing Go toolchain means, and how to get past it. */
const NO_GO =
  'the chart checks build helm and the manifest validator from the Go module proxy: ' +
  "put Go ≥ 1.26 on the PATH (this machine image has it in /usr/local/go/bin; Debian's golang-go is too old) and run the tests again";

/** `go` from the PATH, else the machine image's /usr/local/go (a non-login shell may lack it on its PATH). */
function goBinary(): string {
  const onPath = (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'go')));
  return !onPath && existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = REPO_ROOT): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}${cmd.endsWith('go') ? ` (${NO_GO})` : ''}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The helm in .pushwire/bin when it is the pinned version, else builds it there (minutes the first time). */
export function ensureHelm(log: (msg: string) => void): string {
  const helm = join(BIN_DIR, 'helm');
  // A helm built by `go install` reports only its minor version: the stamp names the exact one.
  const stampFile = `${helm}.version`;
  if (existsSync(helm) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === HELM_VERSION) return helm;
  log(`building helm ${HELM_VERSION} from the Go module proxy into .pushwire/bin (first run: a few minutes)`);
  const started = Date.now();
  mkdirSync(BIN_DIR, { recursive: true });
  run(goBinary(), ['install', `${HELM_MODULE}@${HELM_VERSION}`], { ...process.env, GOBIN: BIN_DIR, CGO_ENABLED: '0' });
  writeFileSync(stampFile, HELM_VERSION);
  log(`helm built in ${Math.round((Date.now() - started) / 1000)} s`);
  return helm;
}

/** The validator (tools/deploy-check/validator), rebuilt whenever its sources change. */
export function ensureValidator(log: (msg: string) => void): string {
  const validator = join(BIN_DIR, 'pushwire-k8s-validate');
  const stampFile = `${validator}.sha256`;
  const hash = createHash('sha256');
  for (const f of readdirSync(VALIDATOR_SRC).sort()) hash.update(f).update(readFileSync(join(VALIDATOR_SRC, f)));
  const stamp = hash.digest('hex');
  if (existsSync(validator) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return validator;
  log('building the manifest validator (k8s.io/api types) into .pushwire/bin');
  const started = Date.now();
  mkdirSync(BIN_DIR, { recursive: true });
  run(goBinary(), ['build', '-buildvcs=false', '-o', validator, '.'], { ...process.env, CGO_ENABLED: '0' }, VALIDATOR_SRC);
  writeFileSync(stampFile, stamp);
  log(`validator built in ${Math.round((Date.now() - started) / 1000)} s`);
  return validator;
}

/** Both tools, built on demand. */
export function ensureDeployTools(log: (msg: string) => void): DeployTools {
  return { helm: ensureHelm(log), validator: ensureValidator(log) };
}

export { run };
