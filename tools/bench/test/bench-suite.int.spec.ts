import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BenchReport } from '../src/report';

const REPO_ROOT = path.resolve(__dirname, '../../..');

/**
 * A tiny run of `npm run bench` (one round, a few hundred devices): what CI can afford of the
 * suite. It must print the table with every server side by side and write the three result files.
 */
describe('npm run bench (smoke)', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'pushwire-bench-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('measures Pushwire next to ws, Socket.IO and bare uWebSockets.js, and writes JSON, SVG and markdown', async () => {
    const { stdout } = await promisify(execFile)(
      'npx',
      [
        'tsx',
        'tools/bench/src/suite/main.ts',
        '--connections',
        '300',
        '--rounds',
        '1',
        '--rate',
        '300',
        '--seconds',
        '1',
        '--burst',
        '2000',
        '--storm',
        '300',
        '--out',
        out,
      ],
      { cwd: REPO_ROOT, timeout: 220_000, maxBuffer: 16 * 1024 * 1024 },
    );
    for (const server of ['Pushwire edge', 'ws', 'Socket.IO', 'bare uWebSockets.js']) expect(stdout).toContain(server);

    const report = JSON.parse(readFileSync(path.join(out, 'quick.json'), 'utf8')) as BenchReport;
    const value = (scenario: string, metric: string, server: string) =>
      report.figures.find((f) => f.scenario.startsWith(scenario) && f.metric === metric && f.server === server)?.value;
    for (const server of ['Pushwire edge', 'ws', 'Socket.IO', 'bare uWebSockets.js']) {
      expect(value('connect + idle', 'accepts', server)).toBeGreaterThan(0);
      expect(value('fan-out', 'delivered', server)).toBeGreaterThan(0);
      expect(value('direct push at 300', 'delivered', server)).toBe(100);
    }
    // Every device of the drained edge came back on the other edges.
    expect(value('reconnect storm', 'failed final attempts', 'Pushwire edge')).toBe(0);
    expect(report.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(report.machine.cores).toBe(os.cpus().length);
    expect(readFileSync(path.join(out, 'quick.svg'), 'utf8')).toContain('<svg');
    expect(readFileSync(path.join(out, 'quick.md'), 'utf8')).toContain('quick.svg');
  }, 230_000);
});
