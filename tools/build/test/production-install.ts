import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildBundles, WORKSPACE_ROOT, type BuiltBundle } from '../src';

const run = promisify(execFile);

/** A scratch directory laid out like the runtime image: dist/ and a production node_modules. */
export interface ProductionInstall {
  readonly dir: string;
  readonly bundles: BuiltBundle[];
  readonly buildMs: number;
  readonly installMs: number;
  /** node_modules after `npm ci --omit=dev`, and after pruning the uWS binaries as the image does. */
  readonly installedBytes: number;
  readonly prunedBytes: number;
}

/**
 * Builds the bundles into `<tmp>/dist`, copies package.json and package-lock.json beside them and
 * runs `npm ci --omit=dev` there — from the npm cache when it has everything (`--prefer-offline`),
 * as on a CI machine that just ran `npm ci`. No workspace sources are copied: what runs must be in
 * the bundles or a production dependency. Then prunes the uWebSockets.js binaries this Node cannot
 * load, as the Dockerfile's deps stage does, so the services run on what the image holds.
 */
export async function productionInstall(): Promise<ProductionInstall> {
  const dir = mkdtempSync(join(tmpdir(), 'pushwire-prod-'));
  let start = performance.now();
  const bundles = await buildBundles({ outDir: join(dir, 'dist') });
  const buildMs = performance.now() - start;
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(WORKSPACE_ROOT, file), join(dir, file));
  start = performance.now();
  await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    timeout: 150_000,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const installMs = performance.now() - start;
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) throw new Error(`npm ci --omit=dev in ${dir} installed nothing`);
  const installedBytes = await diskBytes(modules);
  await run(process.execPath, [join(WORKSPACE_ROOT, 'tools/scripts/prune-uws-binaries.js'), modules]);
  return { dir, bundles, buildMs, installMs, installedBytes, prunedBytes: await diskBytes(modules) };
}

/** Size of a directory on disk in bytes (`du`: what an image layer carries). */
export async function diskBytes(dir: string): Promise<number> {
  const { stdout } = await run('du', ['-sk', dir]);
  return Number(stdout.split('\t')[0]) * 1024;
}

/** Resident memory of a process, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}
