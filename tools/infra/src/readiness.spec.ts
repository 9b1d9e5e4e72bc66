import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '@pushwire/test-kit';
import { spawnDetached, stopProcess } from './processes';
import { waitUntilReady } from './readiness';

describe('waitUntilReady', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'infra-ready-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fails fast when the process exits, quoting its log', async () => {
    const proc = spawnDetached(process.execPath, ['-e', "console.error('Address already in use'); process.exit(1)"], {
      cwd: dir,
      logFile: path.join(dir, 'out.log'),
      marker: 'x',
    });
    await expect(
      waitUntilReady({
        name: 'broker',
        process: proc,
        probe: () => Promise.reject(new Error('refused')),
        timeoutMs: 30_000,
        intervalMs: 20,
      }),
    ).rejects.toThrow(/broker \(pid \d+\) exited before it was ready[\s\S]*Address already in use/);
  });

  it('gives up at the deadline with the last probe error and the log tail', async () => {
    const marker = `-Dpushwire.run=${dir}`;
    const logFile = path.join(dir, 'out.log');
    const proc = spawnDetached(process.execPath, ['-e', "console.log('still starting'); setInterval(() => {}, 1000)", '--', marker], {
      cwd: dir,
      logFile,
      marker,
    });
    try {
      // The child's first line must be in the log before the short deadline starts (a loaded machine
      // can take longer than the deadline just to start node).
      await waitFor(() => readFileSync(logFile, 'utf8').includes('still starting'), {
        what: "the child's first line in its log",
        timeoutMs: 10_000,
        intervalMs: 50,
      });
      await expect(
        waitUntilReady({
          name: 'broker',
          process: proc,
          probe: () => Promise.reject(new Error('ECONNREFUSED')),
          timeoutMs: 300,
          intervalMs: 20,
        }),
      ).rejects.toThrow(/was not ready after \d+ s; last probe: ECONNREFUSED[\s\S]*still starting/);
    } finally {
      await stopProcess(proc);
    }
  });

  it('resolves with the time taken once the probe succeeds', async () => {
    const marker = `-Dpushwire.run=${dir}`;
    const proc = spawnDetached(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', marker], {
      cwd: dir,
      logFile: path.join(dir, 'out.log'),
      marker,
    });
    let calls = 0;
    try {
      const ms = await waitUntilReady({
        name: 'x',
        process: proc,
        probe: async () => {
          if (++calls < 3) throw new Error('not yet');
        },
        intervalMs: 10,
      });
      expect(calls).toBe(3);
      expect(ms).toBeGreaterThanOrEqual(0);
    } finally {
      await stopProcess(proc);
    }
  });
});
