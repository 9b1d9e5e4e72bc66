import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Component } from './components';
import { InfraError } from './errors';
import { requireMaven, whichOnPath, type Which } from './prerequisites';

/** Written into a jar folder after a successful fetch; its absence means "fetch again". */
export const MARKER_FILE = '.pushwire-fetched.json';

/** Options for {@link ensureJars}. */
export interface FetchOptions {
  /** The jar cache, e.g. `<root>/.pushwire/jars`. */
  readonly jarsDir: string;
  readonly log?: (msg: string) => void;
  readonly which?: Which;
}

/** What a completed fetch recorded: the POM it came from, so editing the POM triggers a refetch. */
interface Marker {
  pomSha256: string;
  jars: number;
  fetchedAt: string;
  fetchMs: number;
}

/** The folder holding `component`'s jars when it is complete for the current POM, else undefined. */
export function completeJarsDir(component: Component, jarsDir: string): string | undefined {
  const dir = path.join(jarsDir, component.jarsFolder);
  const marker = path.join(dir, MARKER_FILE);
  if (!existsSync(marker)) return undefined;
  try {
    const recorded = JSON.parse(readFileSync(marker, 'utf8')) as Marker;
    return recorded.pomSha256 === pomSha256(component) ? dir : undefined;
  } catch {
    return undefined; // unreadable marker: treat as incomplete and fetch again
  }
}

/**
 * Makes sure `component`'s runtime jars are in `<jarsDir>/<jarsFolder>` and returns that folder.
 * Skips the fetch when the marker says the folder is complete. Otherwise runs
 * `mvn -B -q -f <pom> dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=<tmp>`
 * into a temporary sibling and renames it into place, so a concurrent or interrupted fetch never
 * leaves a half-filled folder that looks complete.
 */
export async function ensureJars(component: Component, opts: FetchOptions): Promise<{ dir: string; fetchedMs?: number }> {
  const existing = completeJarsDir(component, opts.jarsDir);
  if (existing) return { dir: existing };

  const mvn = requireMaven(opts.which ?? whichOnPath);
  const dir = path.join(opts.jarsDir, component.jarsFolder);
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  mkdirSync(opts.jarsDir, { recursive: true });
  opts.log?.(`fetching ${component.name} jars from Maven Central into ${dir} (once; later starts reuse them)`);
  const started = Date.now();
  try {
    await runMaven(mvn, [
      '-B',
      '-q',
      '-f',
      component.pomPath,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${tmp}`,
    ]);
    const jars = readdirSync(tmp).filter((f) => f.endsWith('.jar')).length;
    if (jars === 0) throw new InfraError(`Maven copied no jars for ${component.name} into ${tmp}`);
    const fetchMs = Date.now() - started;
    const marker: Marker = { pomSha256: pomSha256(component), jars, fetchedAt: new Date().toISOString(), fetchMs };
    writeFileSync(path.join(tmp, MARKER_FILE), JSON.stringify(marker, null, 2) + '\n');
    rmSync(dir, { recursive: true, force: true }); // an incomplete or outdated folder
    try {
      renameSync(tmp, dir);
    } catch (error) {
      // Another process finished the same fetch first: use its folder if it is complete.
      if (completeJarsDir(component, opts.jarsDir)) return { dir, fetchedMs: fetchMs };
      throw new InfraError(`could not move the fetched jars into ${dir}`, { cause: error });
    }
    opts.log?.(`fetched ${jars} ${component.name} jars in ${(fetchMs / 1000).toFixed(1)} s`);
    return { dir, fetchedMs: fetchMs };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function pomSha256(component: Component): string {
  return createHash('sha256').update(readFileSync(component.pomPath)).digest('hex');
}

/** Runs Maven and rejects with its output when it fails (with -q, output is only the errors). */
function runMaven(mvn: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(mvn, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => reject(new InfraError(`could not run ${mvn}`, { cause: error })));
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const clean = output.replace(/\x1b\[[0-9;]*m/g, '').trim();
      reject(new InfraError(`\`mvn ${args.join(' ')}\` failed (exit ${code}). Is Maven Central reachable?\n${clean.slice(-4000)}`));
    });
  });
}
