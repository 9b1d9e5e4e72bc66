import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { isAlive, spawnDetached } from './processes';
import { reapStaleRuns, stopRun, writeRunState, type RunState } from './state';

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  return Number(pid);
}

function runWithIdler(runsDir: string, runId: string, owner: number, persistent = false): RunState {
  const runDir = path.join(runsDir, runId);
  mkdirSync(runDir, { recursive: true });
  const marker = `-Dpushwire.run=${runDir}`;
  const proc = spawnDetached(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', marker], {
    cwd: runDir,
    logFile: path.join(runDir, 'out.log'),
    marker,
  });
  const state: RunState = {
    version: 1,
    runId,
    runDir,
    ownerPid: owner,
    persistent,
    startedAt: new Date().toISOString(),
    kafka: { ...proc, startedAt: new Date().toISOString() },
  };
  writeRunState(state);
  return state;
}

describe('runs', () => {
  let runsDir: string;
  beforeEach(() => (runsDir = mkdtempSync(path.join(os.tmpdir(), 'infra-runs-'))));
  afterEach(() => rmSync(runsDir, { recursive: true, force: true }));

  it('reaps a run whose starter died, and leaves live owners and `up` runs alone', async () => {
    const orphan = runWithIdler(runsDir, 'orphan', deadPid());
    const live = runWithIdler(runsDir, 'live', process.pid);
    const up = runWithIdler(runsDir, 'up', deadPid(), true);
    try {
      expect(await reapStaleRuns(runsDir)).toBe(1);
      expect(isAlive(orphan.kafka!.pid)).toBe(false);
      expect(existsSync(orphan.runDir)).toBe(false);
      expect(isAlive(live.kafka!.pid)).toBe(true);
      expect(isAlive(up.kafka!.pid)).toBe(true);
    } finally {
      await Promise.all([stopRun(live), stopRun(up)]);
    }
    expect(existsSync(live.runDir)).toBe(false);
  });
});
