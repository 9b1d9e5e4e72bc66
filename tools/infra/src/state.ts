import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InfraError } from './errors';
import { isAlive, isOurs, stopProcess, type StartedProcess } from './processes';

/** A recorded Java process: enough for another process to find, check and stop it. */
export interface RecordedProcess extends StartedProcess {
  readonly startedAt: string;
}

/**
 * What one run started, written to `<runDir>/run.json` as each process spawns (so a crashed starter
 * leaves a record), and copied to `.pushwire/infra.json` by `up` so `down` can stop it later.
 */
export interface RunState {
  readonly version: 1;
  readonly runId: string;
  readonly runDir: string;
  /** The process that started the run; when it is gone and the run is not persistent, it is stale. */
  readonly ownerPid: number;
  /** True for `up`: the processes outlive their starter on purpose and only `down` stops them. */
  readonly persistent: boolean;
  readonly startedAt: string;
  kafka?: RecordedProcess & { brokers?: string; serverLog?: string };
  dynamodb?: RecordedProcess & { endpoint?: string };
}

export const RUN_FILE = 'run.json';

export function writeRunState(state: RunState, file = path.join(state.runDir, RUN_FILE)): void {
  writeFileSync(file, JSON.stringify(state, null, 2) + '\n');
}

export function readRunState(file: string): RunState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as RunState;
    if (state.version !== 1 || typeof state.runDir !== 'string') throw new Error('unknown format');
    return state;
  } catch (error) {
    throw new InfraError(`cannot read ${file}; remove it after stopping its Java processes by hand`, { cause: error });
  }
}

/** The processes a run recorded, in stop order (clients of Kafka first would not matter here). */
export function recordedProcesses(state: RunState): RecordedProcess[] {
  return [state.kafka, state.dynamodb].filter((p): p is NonNullable<typeof p> => p !== undefined);
}

/**
 * Stops every process the run recorded (by pid, after checking the pid still carries the run's
 * marker) in parallel, then removes the run folder. Safe to call twice.
 */
export async function stopRun(state: RunState, log?: (msg: string) => void): Promise<void> {
  const names: Array<['kafka' | 'dynamodb', RecordedProcess | undefined]> = [
    ['kafka', state.kafka],
    ['dynamodb', state.dynamodb],
  ];
  const results = await Promise.allSettled(
    names.map(async ([name, proc]) => {
      if (!proc) return;
      const outcome = await stopProcess(proc);
      log?.(`${name} (pid ${proc.pid}): ${outcome}`);
    }),
  );
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (failures.length)
    throw new InfraError(`could not stop every process of run ${state.runId}; ${state.runDir} is kept`, { cause: failures[0] });
  rmSync(state.runDir, { recursive: true, force: true });
}

/**
 * Stops what earlier runs left behind: a jest run killed before its teardown leaves its Java
 * processes running. A run is stale when it is not persistent and its owner process is gone.
 * Runs of live owners (another engineer's tests in the same checkout) and `up` runs are untouched.
 */
export async function reapStaleRuns(runsDir: string, log?: (msg: string) => void): Promise<number> {
  if (!existsSync(runsDir)) return 0;
  let reaped = 0;
  for (const entry of readdirSync(runsDir)) {
    const runDir = path.join(runsDir, entry);
    let state: RunState | undefined;
    try {
      state = readRunState(path.join(runDir, RUN_FILE));
    } catch {
      continue; // unreadable: leave it for a person, never guess at pids
    }
    if (!state) {
      // run.json is written right after the folder is made, so an old folder without it is debris.
      if (Date.now() - statSync(runDir).mtimeMs > 60_000) rmSync(runDir, { recursive: true, force: true });
      continue;
    }
    if (state.persistent || isAlive(state.ownerPid)) continue;
    const alive = recordedProcesses(state).filter(isOurs).length;
    log?.(`stopping ${alive} process(es) left by run ${state.runId} (owner pid ${state.ownerPid} is gone)`);
    await stopRun(state, log);
    reaped++;
  }
  return reaped;
}
