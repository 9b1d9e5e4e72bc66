/**
 * Demo and self-check of the report writer: a made-up report (3 servers × 3 metrics, one with
 * targets, one server missing from a metric) written to a temporary directory — never docs/ — then
 * the files checked: JSON round-trips, the SVG is one <svg> element naming every server and panel,
 * the Markdown has the table, verdicts and image link. Prints the paths and the Markdown.
 *
 *   npx tsx tools/bench/src/report/report-demo.ts [outDir]
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describeMachine, writeReport, type BenchFigure, type BenchReport } from './report';

const servers = ['pushwire', 'bare-uws', 'ws', 'socket.io'];
const figures: BenchFigure[] = [];
const add = (scenario: string, metric: string, unit: string, server: string, rounds: number[], target?: BenchFigure['target']) =>
  figures.push({ scenario, metric, unit, server, value: rounds[0]!, rounds, target });

const memory: Record<string, number> = { pushwire: 2900, 'bare-uws': 1100, ws: 9800, 'socket.io': 21500 };
for (const s of servers)
  add(
    'idle connections',
    'memory per connection',
    'B',
    s,
    [memory[s]! * 0.97, memory[s]!, memory[s]! * 1.05],
    s === 'pushwire' ? { op: '<=', value: 3000 } : undefined,
  );
const push: Record<string, number> = { pushwire: 61_000, 'bare-uws': 240_000, ws: 88_000, 'socket.io': 41_000 };
for (const s of servers)
  add(
    'push batch',
    'throughput',
    'msg/s',
    s,
    [push[s]! * 1.02, push[s]! * 0.96, push[s]!],
    s === 'pushwire' ? { op: '>=', value: 0.5, server: 'bare-uws' } : undefined,
  );
const p99: Record<string, number> = { pushwire: 4.2, ws: 3.1, 'socket.io': 7.9 }; // no bare-uws figure here
for (const s of Object.keys(p99))
  add('fanout 10k', 'p99 latency', 'ms', s, [p99[s]!, p99[s]! * 1.1, p99[s]! * 0.9], s === 'pushwire' ? { op: '<=', value: 4 } : undefined);

const report: BenchReport = {
  suite: 'quick',
  startedAt: new Date(Date.now() - 60_000).toISOString(),
  finishedAt: new Date().toISOString(),
  commit: '0123456789abcdef0123456789abcdef01234567',
  dirty: true,
  machine: describeMachine(),
  options: { connections: 1000, rounds: 3, demo: true },
  figures,
  notes: ['Demo data: made-up numbers, not a measurement.', 'A server | with a pipe in a note stays one line.'],
};

async function main() {
  const dir = process.argv[2] ?? mkdtempSync(join(os.tmpdir(), 'bench-report-'));
  const paths = await writeReport(report, dir, 'bare-uws');
  const problems: string[] = [];
  const check = (what: string, ok: boolean) => ok || problems.push(what);

  check('JSON round-trips', JSON.stringify(JSON.parse(readFileSync(paths.json, 'utf8'))) === JSON.stringify(report));
  const svg = readFileSync(paths.svg, 'utf8');
  check('SVG is one <svg> element', /^<svg[\s>]/.test(svg.trimStart()) && svg.trimEnd().endsWith('</svg>'));
  for (const name of [...servers, 'idle connections', 'p99 latency', 'quick suite', '0123456+dirty'])
    check(`SVG names ${name}`, svg.includes(name));
  const md = readFileSync(paths.md, 'utf8');
  check(
    'Markdown has the table header',
    md.includes('| Scenario | Metric | Unit | pushwire | bare-uws | ws | socket.io | pushwire / bare-uws |'),
  );
  check('Markdown: met target', md.includes('pushwire ≤ 3,000: met, 3.33% under'));
  check('Markdown: missed target', md.includes('pushwire ≤ 4: **missed** by 5%'));
  check('Markdown: relative target', md.includes('pushwire ≥ 0.5× bare-uws (120,000): **missed** by 49.2%'));
  check('Markdown: image link', md.includes('![quick suite chart](quick.svg)'));

  process.stdout.write(`${JSON.stringify(paths)}\n\n${md}\n`);
  if (problems.length) {
    process.stdout.write(`FAIL:\n  ${problems.join('\n  ')}\n`);
    process.exit(1);
  }
  process.stdout.write('report demo ok\n');
}

void main();
