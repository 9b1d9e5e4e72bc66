import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive, isOurs, spawnDetached, stopProcess, tailFile } from './processes';
import { waitUntilReady } from './readiness';

/** A real detached process standing in for a JVM: prints, then idles; the marker is on its command line. */
function startIdler(dir: string, marker: string, ignoreTerm = false) {
  const code = `${ignoreTerm ? "process.on('SIGTERM', () => console.log('ignoring SIGTERM'));" : ''} console.log('idler up'); setInterval(() => {}, 1000);`;
  return spawnDetached(process.execPath, ['-e', code, '--', marker], { cwd: dir, logFile: path.join(dir, 'idler.log'), marker });
}

describe('processes', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'infra-proc-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stops a detached process it started with SIGTERM', async () => {
    const proc = startIdler(dir, `-Dpushwire.run=${dir}`);
    expect(isAlive(proc.pid)).toBe(true);
    expect(isOurs(proc)).toBe(true);
    expect(await stopProcess(proc)).toBe('stopped');
    expect(isAlive(proc.pid)).toBe(false);
  });

  it('falls back to SIGKILL when SIGTERM is ignored past the grace period', async () => {
    const proc = startIdler(dir, `-Dpushwire.run=${dir}`, true);
    // SIGTERM must arrive after the handler is installed: wait for the line printed after it.
    await waitUntilReady({
      name: 'idler',
      process: proc,
      intervalMs: 20,
      probe: async () => {
        if (!tailFile(proc.logFile).includes('idler up')) throw new Error('not up yet');
      },
    });
    expect(await stopProcess(proc, 300)).toBe('killed');
    expect(isAlive(proc.pid)).toBe(false);
  });

  it('leaves alone a live pid whose command line lacks the marker (a recycled pid)', async () => {
    const proc = startIdler(dir, `-Dpushwire.run=${dir}`);
    try {
      expect(await stopProcess({ pid: proc.pid, marker: '-Dpushwire.run=/somewhere/else' })).toBe('not-running');
      expect(isAlive(proc.pid)).toBe(true);
    } finally {
      await stopProcess(proc);
    }
  });

  it('tails a log, and says so when there is none', () => {
    expect(tailFile(path.join(dir, 'missing.log'))).toMatch(/no log at/);
  });
});
