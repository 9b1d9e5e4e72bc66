import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The repository's root (tools/observability/src → ../../..). */
export const REPO_ROOT = join(__dirname, '../../..');
/** The alert and recording rules. */
export const RULES_FILE = join(REPO_ROOT, 'deploy/prometheus/pushwire-rules.yml');
/** promtool's unit tests of the rules. */
export const RULE_TESTS_DIR = join(REPO_ROOT, 'deploy/prometheus/tests');
/** The Grafana dashboard. */
export const DASHBOARD_FILE = join(REPO_ROOT, 'deploy/grafana/pushwire-overview.json');

const INSTALL_HINT =
  "install Debian's prometheus package: `apt-get install -y --no-install-recommends prometheus` (.ci/run does it when missing)";

/**
 * The path of `promtool` or `prometheus` on PATH; throws saying how to install it when missing, so a
 * test fails with the fix instead of being skipped.
 */
export function requireTool(name: 'promtool' | 'prometheus'): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || !path) throw new Error(`${name} is not installed: ${INSTALL_HINT}`);
  return path;
}

/** Runs promtool with `args`; resolves with its output, or throws with it (exit status ≠ 0). */
export function promtool(args: readonly string[]): string {
  try {
    return execFileSync(requireTool('promtool'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
  }
}
