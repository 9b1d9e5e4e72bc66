import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_ROOT, type PackageSpec } from '../src';

/** A project outside the workspace with the packed client libraries installed from their tarballs. */
export interface ScratchProject {
  /** The temporary folder (the caller removes it). */
  readonly dir: string;
  /** The project's folder in it (package.json, node_modules). */
  readonly appDir: string;
  /**
   * Runs `node <args>` in the project and resolves with its standard output (rejects with its
   * stderr on failure). Asynchronous: the test's own servers (an edge) must keep answering meanwhile.
   */
  node(args: string[], env?: Record<string, string>): Promise<string>;
  /** Runs the workspace's TypeScript compiler on `tsconfig` (a file of the project). */
  tsc(tsconfig: string): string;
  /** Writes a file of the project. */
  write(file: string, contents: string): void;
}

const run = (command: string, args: string[], cwd: string, env: Record<string, string> = {}) => {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
};

/**
 * `npm pack` each library (built already) and `npm install` the tarballs into a fresh project in a
 * temporary folder, as a user would, with `extra` packages beside them (kafkajs for the optional
 * `./kafka` entry, @types/node). npm uses its normal registry configuration; `--prefer-offline`
 * takes what the workspace's install left in npm's cache.
 */
export function installPacked(specs: readonly PackageSpec[], extra: readonly string[]): ScratchProject {
  const dir = mkdtempSync(join(tmpdir(), 'pushwire-packed-'));
  try {
    return install(dir, specs, extra);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

function install(dir: string, specs: readonly PackageSpec[], extra: readonly string[]): ScratchProject {
  const tarballs = join(dir, 'tarballs');
  const app = join(dir, 'app');
  mkdirSync(tarballs);
  mkdirSync(app);
  const packed = specs.map((spec) => {
    const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tarballs], join(WORKSPACE_ROOT, spec.dir))) as {
      filename: string;
    }[];
    return join(tarballs, info!.filename);
  });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }, null, 2));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', ...packed, ...extra], app);
  return {
    dir,
    appDir: app,
    node: async (args, env = {}) => {
      try {
        return (await promisify(execFile)(process.execPath, args, { cwd: app, env: { ...process.env, ...env } })).stdout;
      } catch (e) {
        const { stdout, stderr } = e as { stdout?: string; stderr?: string };
        throw new Error(`node ${args.join(' ')} failed in ${app}:\n${stdout ?? ''}\n${stderr ?? ''}`);
      }
    },
    tsc: (tsconfig) => run(process.execPath, [join(WORKSPACE_ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], app),
    write: (file, contents) => writeFileSync(join(app, file), contents),
  };
}
