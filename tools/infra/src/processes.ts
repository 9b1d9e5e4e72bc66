import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { InfraError } from './errors';

/** A Java process tools/infra started: enough to find it again from another process and stop it. */
export interface StartedProcess {
  readonly pid: number;
  /** stdout and stderr of the process (Kafka also logs to its own log4j file). */
  readonly logFile: string;
  /** A string only this process's command line contains, checked before signalling a recorded pid. */
  readonly marker: string;
}

/**
 * Starts `command` detached (own process group, no pipes back to us) so it outlives the starter:
 * `pushwire-infra up` returns while the brokers keep running. Output goes to `logFile`.
 */
export function spawnDetached(command: string, args: string[], opts: { cwd: string; logFile: string; marker: string }): StartedProcess {
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(command, args, { cwd: opts.cwd, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new InfraError(`could not start ${command}`);
    // An 'error' after spawn (e.g. ENOENT) would otherwise be an unhandled event; readiness reports it.
    child.on('error', () => undefined);
    child.unref();
    return { pid: child.pid, logFile: opts.logFile, marker: opts.marker };
  } finally {
    closeSync(fd);
  }
}

/** True while `pid` runs. A zombie (exited, not yet reaped by its parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but is not ours, so it is alive (and certainly not something we started).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true; // no procfs (macOS): trust kill(0)
  try {
    const state = readFileSync(stat, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false; // vanished between the two checks
  }
}

/**
 * True when `pid` is alive and is the process we recorded: its command line carries our marker.
 * Guards `down` against a recycled pid (after a reboot, say) that now belongs to something else.
 * Without procfs the marker cannot be read and the pid is trusted.
 */
export function isOurs(proc: Pick<StartedProcess, 'pid' | 'marker'>): boolean {
  if (!isAlive(proc.pid)) return false;
  const cmdline = `/proc/${proc.pid}/cmdline`;
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return readFileSync(cmdline, 'utf8').includes(proc.marker);
  } catch {
    return false;
  }
}

/**
 * Stops exactly `proc`: SIGTERM (Kafka shuts down cleanly in about 2 s), then SIGKILL if it is still
 * alive after `graceMs` (SIGKILL at once with 0). Resolves once it is gone. A pid that is no longer
 * ours is left alone.
 */
export async function stopProcess(
  proc: Pick<StartedProcess, 'pid' | 'marker'>,
  graceMs = 15_000,
): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isOurs(proc)) return 'not-running';
  // No grace: SIGKILL alone, so a test of a crash never sees the start of a clean shutdown.
  if (graceMs > 0) {
    signal(proc.pid, 'SIGTERM');
    if (await waitForExit(proc.pid, graceMs)) return 'stopped';
  }
  signal(proc.pid, 'SIGKILL');
  if (await waitForExit(proc.pid, 5_000)) return 'killed';
  throw new InfraError(`process ${proc.pid} is still alive after SIGKILL`);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw new InfraError(`could not send ${sig} to ${pid}`, { cause: error });
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    // A ref'd timer on purpose: `down` must not exit halfway through waiting. The loop is bounded.
    await delay(50);
  }
  return !isAlive(pid);
}

/** The last `lines` lines of a log file, for error messages; says so when there is no log. */
export function tailFile(file: string, lines = 30): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const text = readFileSync(file, 'utf8').trimEnd();
  return text ? text.split('\n').slice(-lines).join('\n') : `(${file} is empty)`;
}

/** Resident memory of `pid` in KiB from procfs, or undefined where there is none (macOS). */
export function rssKiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
