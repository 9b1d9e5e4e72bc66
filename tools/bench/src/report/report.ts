/**
 * Benchmark reports: what the benches publish under docs/benchmarks/ — the raw figures as JSON, a
 * Markdown table (median per server, ratios to a baseline server, targets met or missed) and an SVG
 * chart drawn with vega-lite (one small multiple per scenario and metric, a bar per server).
 *
 * A figure's shown value is the median of its per-round values (stats.ts `median`), or `value` when
 * it has no rounds.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { median } from '../stats';

/** The machine a report was measured on. */
export interface BenchMachine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverage: number[];
}

/** A target a figure should meet. */
export interface BenchTarget {
  op: '<=' | '>=';
  /** An absolute value in the figure's unit; with `server`, a ratio to that server's figure. */
  value: number;
  /** When set, the target is `value` × this server's median of the same scenario and metric. */
  server?: string;
}

/** One measured quantity of one server in one scenario. */
export interface BenchFigure {
  scenario: string;
  metric: string;
  unit: string;
  server: string;
  value: number;
  /** Per-round values; the figure shown is their median. */
  rounds: number[];
  target?: BenchTarget;
}

export interface BenchReport {
  /** Names the files (`<suite>.json` …): `quick` and `full` for `npm run bench`, `topics` for bench:topics. */
  suite: string;
  startedAt: string;
  finishedAt: string;
  commit: string;
  dirty: boolean;
  machine: BenchMachine;
  options: Record<string, unknown>;
  figures: BenchFigure[];
  notes: string[];
}

/** This machine, as a report records it. */
export function describeMachine(): BenchMachine {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** The report of a run that started at `startedAt` and ends now, on this machine. */
export function finishedReport(run: Omit<BenchReport, 'startedAt' | 'finishedAt' | 'machine'> & { startedAt: Date }): BenchReport {
  const { suite, startedAt, commit, dirty, options, figures, notes } = run;
  return {
    suite,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    commit,
    dirty,
    machine: describeMachine(),
    options,
    figures,
    notes,
  };
}

/** The figure shown for `f`: the median of its rounds, or its value without rounds. */
export function figureValue(f: BenchFigure): number {
  return f.rounds.length > 0 ? median(f.rounds) : f.value;
}

/** Servers in the order they first appear in the figures. */
export function serversOf(report: BenchReport): string[] {
  return [...new Set(report.figures.map((f) => f.server))];
}

interface Row {
  scenario: string;
  metric: string;
  unit: string;
  byServer: Map<string, BenchFigure>;
}

/** Figures grouped by scenario and metric, in order of first appearance. */
function rowsOf(report: BenchReport): Row[] {
  const rows = new Map<string, Row>();
  for (const f of report.figures) {
    const key = JSON.stringify([f.scenario, f.metric]);
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { scenario: f.scenario, metric: f.metric, unit: f.unit, byServer: new Map() }));
    row.byServer.set(f.server, f);
  }
  return [...rows.values()];
}

const shortCommit = (report: BenchReport) => `${report.commit.slice(0, 7)}${report.dirty ? '+dirty' : ''}`;

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const significant = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

/** A number for people: grouped integers from 1,000 up, three significant digits below. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1000 ? grouped.format(v) : significant.format(v);
}

const percent = (fraction: number) => `${significant.format(Math.abs(fraction) * 100)}%`;

/** The threshold a target sets for `row`, or undefined when a relative target's server is missing. */
function threshold(target: BenchTarget, row: Row): number | undefined {
  if (target.server === undefined) return target.value;
  const other = row.byServer.get(target.server);
  return other ? target.value * figureValue(other) : undefined;
}

/** "bare-uws ≤ 3,000: met, 18% under" / "… missed by 12%" for one figure's target. */
function targetVerdict(f: BenchFigure, row: Row): string {
  const t = f.target!;
  const sign = t.op === '<=' ? '≤' : '≥';
  const limit = threshold(t, row);
  const what =
    t.server === undefined ? `${f.server} ${sign} ${formatNumber(t.value)}` : `${f.server} ${sign} ${formatNumber(t.value)}× ${t.server}`;
  if (limit === undefined) return `${what}: no ${t.server} figure`;
  const v = figureValue(f);
  const shown = t.server === undefined ? what : `${what} (${formatNumber(limit)})`;
  if (limit === 0) return `${shown}: ${(t.op === '<=' ? v <= 0 : v >= 0) ? 'met' : 'missed'}`;
  const margin = (v - limit) / Math.abs(limit);
  const met = t.op === '<=' ? v <= limit : v >= limit;
  if (met) return `${shown}: met, ${percent(margin)} ${t.op === '<=' ? 'under' : 'over'}`;
  return `${shown}: **missed** by ${percent(margin)}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The baseline(s) ratios are taken to: one server for every row, or a list (each row's baseline is
 * the first of the list that has a figure in that row, the column then headed "/ peer"), for a
 * report whose scenarios each compare with a different peer.
 */
export type Baseline = string | readonly string[];

const baselineOf = (baseline: Baseline, row: Row) => (typeof baseline === 'string' ? baseline : baseline.find((b) => row.byServer.has(b)));

/**
 * A Markdown table: a row per scenario and metric, the median per server, each other server's ratio
 * to the baseline (server / baseline), the most rounds any figure had, and targets met or missed.
 */
export function markdownTable(report: BenchReport, baseline: Baseline): string {
  const servers = serversOf(report);
  const baselines: readonly string[] = typeof baseline === 'string' ? [baseline] : baseline;
  const others = servers.filter((s) => !baselines.includes(s));
  const baselineServer = typeof baseline === 'string' ? baseline : 'peer';
  const rows = rowsOf(report);
  const hasTargets = report.figures.some((f) => f.target);
  const header = [
    'Scenario',
    'Metric',
    'Unit',
    ...servers,
    ...others.map((s) => `${s} / ${baselineServer}`),
    'Rounds',
    ...(hasTargets ? ['Target'] : []),
  ];
  const align = ['---', '---', '---', ...servers.map(() => '---:'), ...others.map(() => '---:'), '---:', ...(hasTargets ? ['---'] : [])];
  const lines = [header, align].map((r) => `| ${r.map(cell).join(' | ')} |`);
  for (const row of rows) {
    const rowBaseline = baselineOf(baseline, row);
    const base = rowBaseline === undefined ? undefined : row.byServer.get(rowBaseline);
    const baseValue = base ? figureValue(base) : NaN;
    const values = servers.map((s) => {
      const f = row.byServer.get(s);
      return f ? formatNumber(figureValue(f)) : '—';
    });
    const ratios = others.map((s) => {
      const f = row.byServer.get(s);
      if (!f || !Number.isFinite(baseValue) || baseValue === 0) return '—';
      return `${significant.format(figureValue(f) / baseValue)}×`;
    });
    const rounds = Math.max(...[...row.byServer.values()].map((f) => f.rounds.length));
    const targets = [...row.byServer.values()].filter((f) => f.target).map((f) => targetVerdict(f, row));
    const cells = [
      row.scenario,
      row.metric,
      row.unit,
      ...values,
      ...ratios,
      String(rounds),
      ...(hasTargets ? [targets.join('; ') || '—'] : []),
    ];
    lines.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Axis labels: SI prefixes from 1,000 up (12k, 1.5M), plain numbers below (no milli- prefixes for ms). */
const AXIS_LABEL = "abs(datum.value) >= 1000 ? format(datum.value, '~s') : format(datum.value, '~g')";

/** The chart's vega-lite spec: one panel per scenario and metric, a bar per server. */
export function chartSpec(report: BenchReport): TopLevelSpec {
  const rows = rowsOf(report);
  const servers = serversOf(report);
  const panels = rows.map((r) => `${r.scenario} · ${r.metric} (${r.unit})`);
  const data = rows.flatMap((row, i) =>
    [...row.byServer.values()].map((f) => {
      const v = figureValue(f);
      const limit = f.target ? threshold(f.target, row) : undefined;
      return {
        panel: panels[i],
        server: f.server,
        value: v,
        label: formatNumber(v),
        // Where the value label sits: above the bar and its whisker.
        top: f.rounds.length > 1 ? Math.max(v, ...f.rounds) : v,
        // The spread of the rounds, drawn as a whisker over the bar.
        lo: f.rounds.length > 1 ? Math.min(...f.rounds) : null,
        hi: f.rounds.length > 1 ? Math.max(...f.rounds) : null,
        target: limit ?? null,
        targetLabel: limit === undefined ? null : `target ${f.target!.op === '<=' ? '≤' : '≥'} ${formatNumber(limit)}`,
      };
    }),
  );
  const m = report.machine;
  const x = {
    field: 'server',
    type: 'nominal',
    sort: servers,
    title: null,
    axis: { labelAngle: 0, labelLimit: 90, labelFontSize: 11 },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `Pushwire benchmarks — ${report.suite} suite`,
      subtitle: [
        `commit ${shortCommit(report)} · ${report.startedAt.slice(0, 10)}`,
        `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}`,
        'bars: median of the rounds · whiskers: lowest to highest round · dashed: target',
      ],
      fontSize: 16,
      subtitleFontSize: 11,
      anchor: 'start',
      offset: 12,
    },
    data: { values: data },
    facet: {
      field: 'panel',
      type: 'nominal',
      sort: panels,
      title: null,
      header: { labelFontSize: 12, labelFontWeight: 'bold', labelLimit: 0, labelPadding: 6 },
    },
    columns: Math.min(3, Math.max(1, panels.length)),
    spec: {
      width: Math.max(150, servers.length * 60),
      height: 150,
      layer: [
        {
          mark: { type: 'bar', tooltip: true },
          encoding: {
            x,
            y: { field: 'value', type: 'quantitative', title: null, axis: { labelExpr: AXIS_LABEL, labelFontSize: 10, tickCount: 5 } },
            color: { field: 'server', type: 'nominal', sort: servers, legend: null },
          },
        },
        {
          transform: [{ filter: 'datum.lo != null' }],
          mark: { type: 'rule', color: '#333', strokeWidth: 1.5 },
          encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
        },
        {
          mark: { type: 'text', dy: -6, baseline: 'bottom', fontSize: 10 },
          encoding: { x, y: { field: 'top', type: 'quantitative' }, text: { field: 'label' } },
        },
        {
          transform: [{ filter: 'datum.target != null' }],
          mark: { type: 'rule', color: '#c0392b', strokeDash: [4, 3], strokeWidth: 1.5 },
          encoding: { y: { aggregate: 'max', field: 'target', type: 'quantitative' } },
        },
        {
          transform: [
            { filter: 'datum.target != null' },
            {
              aggregate: [
                { op: 'max', field: 'target', as: 'target' },
                { op: 'max', field: 'targetLabel', as: 'targetLabel' },
              ],
            },
          ],
          mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -2, x: { expr: 'child_width' }, color: '#c0392b', fontSize: 9 },
          encoding: { y: { field: 'target', type: 'quantitative' }, text: { field: 'targetLabel' } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: { view: { stroke: '#ddd' }, font: 'Helvetica, Arial, sans-serif', background: 'white', padding: 12 },
  } as TopLevelSpec;
}

/** The report's chart as SVG (vega-lite compiled to vega, rendered headless: no canvas needed). */
export async function renderChart(report: BenchReport): Promise<string> {
  const view = new vega.View(vega.parse(compile(chartSpec(report)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The report's Markdown page: title, machine and commit, the table, notes and the chart. */
export function markdownReport(report: BenchReport, baseline: Baseline): string {
  const m = report.machine;
  const options = Object.entries(report.options)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  return [
    `# Pushwire benchmarks: ${report.suite} suite`,
    '',
    `Commit \`${shortCommit(report)}\`, ${report.startedAt} – ${report.finishedAt}. ` +
      `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}, load average ${m.loadAverage.join(' / ')} at start.`,
    ...(options ? ['', `Options: ${options}.`] : []),
    '',
    typeof baseline === 'string'
      ? `Medians over rounds; ratios are server / ${baseline}.`
      : `Medians over rounds; ratios are server / peer, the peer of each row being the first of ${baseline.join(', ')} measured in it.`,
    '',
    markdownTable(report, baseline).trimEnd(),
    ...(report.notes.length ? ['', '## Notes', '', ...report.notes.map((n) => `- ${n}`)] : []),
    '',
    `![${report.suite} suite chart](${report.suite}.svg)`,
    '',
  ].join('\n');
}

/**
 * Writes `<suite>.json`, `<suite>.svg` and `<suite>.md` to `dir` (created if missing) and returns
 * their paths. Ratios are to `baselineServer`, by default the first server of the figures.
 */
export async function writeReport(
  report: BenchReport,
  dir = 'docs/benchmarks',
  baselineServer: Baseline = serversOf(report)[0] ?? '',
): Promise<{ json: string; svg: string; md: string }> {
  await mkdir(dir, { recursive: true });
  const paths = { json: join(dir, `${report.suite}.json`), svg: join(dir, `${report.suite}.svg`), md: join(dir, `${report.suite}.md`) };
  const svg = await renderChart(report);
  await Promise.all([
    writeFile(paths.json, `${JSON.stringify(report, null, 2)}\n`),
    writeFile(paths.svg, svg),
    writeFile(paths.md, markdownReport(report, baselineServer)),
  ]);
  return paths;
}
