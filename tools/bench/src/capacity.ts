/**
 * How many authenticated, registered connections one machine holds (issue 16 item 5: Pushy's node
 * average is 200,000). N devices are spread over as many edge processes as the per-process file limit
 * needs (each edge ≤ `--per-edge`), connected by as many client processes (@pushwire/loadgen's
 * fleet), registered in one registry (memory store) — so every one of them is routable — and held with
 * heartbeats on for `--hold-seconds`. Then a sample of them, spread evenly over every edge, is pushed to
 * through the whole direct path (push client → registry lookup → the edge's /v1/deliver) and the
 * arrivals counted.
 *
 *   npm run bench:capacity -- [--connections 200000] [--per-edge 18500] [--hold-seconds 60]
 *                             [--heartbeat-seconds 30] [--sample 2000] [--out FILE.md] [--json FILE]
 *
 * Figures: connected, open after the hold, registered (sampled), edge RSS per connection (the sum of
 * the edges' RSS growth over the connections open), edge and registry CPU at idle during the hold
 * (% of one core, summed), the sample's delivery ratio and latency, and the machine's limits next to
 * what was used (per-process file limit, the kernel's connection-tracking table, memory available) —
 * so the note can say what limited the run. Loopback only; stops every process it started (by pid),
 * also on failure and SIGINT.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientFleet, timestampedPayload } from '@pushwire/loadgen';
import { PushClient } from '@pushwire/push-client';
import { BenchFailure, BenchRun, intOption, parseBenchArgs } from './bench-run';
import { cpuSeconds, gitCommit } from './cluster-bench';
import { BENCH_SERVICE_TOKEN, rssBytes } from './service-process';
import { percentile } from './stats';
import { connectPlan, device } from './suite/scenarios';
import { startPushwireEdges } from './suite/servers';

const USAGE = `Usage: npm run bench:capacity -- [options]

Holds N authenticated, registered device connections on this machine over several edge processes
(heartbeats on), then pushes to a sample of them through the direct path. Loopback only.

Options:
  --connections N        devices to connect (default 200000; 1000 to 250000)
  --per-edge N           at most this many per edge process (default 18500; under the file limit)
  --hold-seconds N       how long to hold them once all are registered (default 60)
  --heartbeat-seconds N  the edges' heartbeat interval (default 30, the shipped default)
  --sample N             devices pushed to after the hold, spread over every edge (default 2000)
  --out FILE             also write the figures as Markdown
  --json FILE            also write them as JSON`;

/** Sockets one client process holds: under the 20,000 open files a process may have here. */
const SOCKETS_PER_CLIENT_PROCESS = 19_000;

interface CapacityFigures {
  connections: number;
  edges: number;
  clientProcesses: number;
  connected: number;
  connectSeconds: number;
  openAfterHold: number;
  holdSeconds: number;
  heartbeatSeconds: number;
  edgeRssPerConnection: number;
  edgeRssTotalMiB: number;
  registryRssMiB: number;
  edgeCpuIdlePercent: number;
  edgeCpuIdlePercentPerEdge: number;
  registryCpuIdlePercent: number;
  sample: number;
  sampleDelivered: number;
  sampleP50Ms: number;
  sampleP99Ms: number;
  limits: {
    openFilesPerProcess: number;
    conntrackMax: number | null;
    conntrackUsed: number | null;
    memAvailableMiB: number;
    loadAverage: number[];
  };
  git: { commit: string; dirty: boolean };
  at: string;
}

const readNumber = (file: string): number | null => {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
};
const memAvailableMiB = () => Number(/MemAvailable:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024;
const openFilesLimit = () => Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? NaN);
const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function main(bench: BenchRun): Promise<void> {
  const values = parseBenchArgs(process.argv.slice(2), {
    connections: '200000',
    'per-edge': '18500',
    'hold-seconds': '60',
    'heartbeat-seconds': '30',
    sample: '2000',
    out: undefined,
    json: undefined,
  });
  if (!values) return void console.log(USAGE);
  const n = intOption('connections', values.connections, 1000, 250_000);
  const perEdge = intOption('per-edge', values['per-edge'], 1000, SOCKETS_PER_CLIENT_PROCESS);
  const holdSeconds = intOption('hold-seconds', values['hold-seconds'], 10, 3600);
  const heartbeatSeconds = intOption('heartbeat-seconds', values['heartbeat-seconds'], 5, 300);
  const sample = intOption('sample', values.sample, 1, 100_000);
  const limit = openFilesLimit();
  if (perEdge >= limit) throw new BenchFailure(`--per-edge ${perEdge} is not under this machine's open-file limit per process (${limit})`);

  const edgeCount = Math.ceil(n / perEdge);
  const clientProcesses = Math.ceil(n / SOCKETS_PER_CLIENT_PROCESS);
  const log = (msg: string) => console.error(`[capacity] ${msg}`);
  log(`${n} devices over ${edgeCount} edges and ${clientProcesses} client processes; heartbeats every ${heartbeatSeconds} s`);

  const cluster = await startPushwireEdges(edgeCount, {
    env: { PUSHWIRE_HEARTBEAT_SECONDS: String(heartbeatSeconds), PUSHWIRE_EDGE_ACCEPTS_PER_SECOND: '0' },
  });
  bench.onCleanup(() => cluster.stop());
  const fleet = await ClientFleet.start({ processes: clientProcesses, threadsPerProcess: 1 });
  bench.onCleanup(() => fleet.stop());
  const baseRss = cluster.edges.map((e) => rssBytes(e.pid));

  // Each edge's share is connected by the whole fleet at once; edges are filled one after another so a
  // slow edge is visible in the log (and the accept path of each is measured on its own).
  const t0 = performance.now();
  let connected = 0;
  for (const [i, edge] of cluster.edges.entries()) {
    const first = i * perEdge;
    const count = Math.min(perEdge, n - first);
    const r = await fleet.connect(connectPlan('pushwire', edge.devicePort, count, first, { maxConcurrent: 500 }));
    connected += r.connected;
    const failures = Object.keys(r.failures).length ? ` failures ${JSON.stringify(r.failures)}` : '';
    log(`edge ${i + 1}: ${r.connected}/${count} in ${r.seconds.toFixed(1)} s (${Math.round(r.acceptsPerSecond)}/s)${failures}`);
    if (bench.interrupted) return;
  }
  const connectSeconds = (performance.now() - t0) / 1000;
  // The last device of every edge registered: the registry writes each edge's batches in order.
  for (const [i, edge] of cluster.edges.entries()) await edge.settled(0, device(Math.min(n, (i + 1) * perEdge) - 1));
  log(`${connected} connected in ${connectSeconds.toFixed(1)} s and registered; holding ${holdSeconds} s`);

  // Idle: nothing but heartbeats (and lease renewals) for the hold.
  await sleep(2000);
  const cpu0 = { edges: cluster.edges.map((e) => cpuSeconds(e.pid)), registry: cpuSeconds(cluster.registryPid), at: performance.now() };
  const holdEnd = Date.now() + holdSeconds * 1000;
  while (Date.now() < holdEnd && !bench.interrupted) await sleep(Math.min(5000, holdEnd - Date.now()));
  const idleSeconds = (performance.now() - cpu0.at) / 1000;
  const edgeCpu = cluster.edges.map((e, i) => cpuSeconds(e.pid) - cpu0.edges[i]!).reduce((a, b) => a + b, 0);
  const registryCpu = cpuSeconds(cluster.registryPid) - cpu0.registry;
  const stats = await fleet.stats();
  const edgeRss = cluster.edges.map((e, i) => rssBytes(e.pid) - baseRss[i]!).reduce((a, b) => a + b, 0);
  log(`after ${holdSeconds} s: ${stats.open} open; edges at ${((edgeCpu / idleSeconds) * 100).toFixed(1)} % of a core`);

  // The sample: devices spread evenly over all N (so over every edge), through the direct path.
  const client = new PushClient({ registryUrl: cluster.registryUrl, serviceToken: BENCH_SERVICE_TOKEN });
  bench.onCleanup(() => client.close());
  await fleet.resetLatencies();
  const before = (await fleet.stats()).messages;
  const targets = Array.from({ length: Math.min(sample, n) }, (_, k) => device(Math.floor((k * n) / Math.min(sample, n))));
  for (let i = 0; i < targets.length; i += 200) {
    await client.sendMany(targets.slice(i, i + 200).map((target) => ({ target, payload: timestampedPayload() })));
  }
  const deadline = Date.now() + 30_000;
  let arrived = 0;
  while ((arrived = (await fleet.stats()).messages - before) < targets.length && Date.now() < deadline) await sleep(50);
  const { samples } = await fleet.latencies();

  const conntrackUsed = readNumber('/proc/sys/net/netfilter/nf_conntrack_count');
  const figures: CapacityFigures = {
    connections: n,
    edges: edgeCount,
    clientProcesses,
    connected,
    connectSeconds: Math.round(connectSeconds * 10) / 10,
    openAfterHold: stats.open,
    holdSeconds,
    heartbeatSeconds,
    edgeRssPerConnection: Math.round(edgeRss / Math.max(1, stats.open)),
    edgeRssTotalMiB: mib(cluster.edges.map((e) => rssBytes(e.pid)).reduce((a, b) => a + b, 0)),
    registryRssMiB: mib(rssBytes(cluster.registryPid)),
    edgeCpuIdlePercent: Math.round((edgeCpu / idleSeconds) * 1000) / 10,
    edgeCpuIdlePercentPerEdge: Math.round((edgeCpu / idleSeconds / edgeCount) * 1000) / 10,
    registryCpuIdlePercent: Math.round((registryCpu / idleSeconds) * 1000) / 10,
    sample: targets.length,
    sampleDelivered: arrived,
    sampleP50Ms: Math.round(percentile(samples, 0.5) * 10) / 10,
    sampleP99Ms: Math.round(percentile(samples, 0.99) * 10) / 10,
    limits: {
      openFilesPerProcess: limit,
      conntrackMax: readNumber('/proc/sys/net/netfilter/nf_conntrack_max'),
      conntrackUsed,
      memAvailableMiB: Math.round(memAvailableMiB()),
      loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
    },
    git: await gitCommit(),
    at: new Date().toISOString(),
  };
  const markdown = toMarkdown(figures);
  console.log(markdown);
  if (values.out) writeFileSync(values.out, markdown);
  if (values.json) writeFileSync(values.json, JSON.stringify(figures, null, 2) + '\n');
  if (figures.openAfterHold < n * 0.99)
    throw new BenchFailure(`only ${figures.openAfterHold} of ${n} connections were open after the hold`);
}

function toMarkdown(f: CapacityFigures): string {
  const pct = (a: number, b: number) => `${((a / Math.max(1, b)) * 100).toFixed(2)} %`;
  const rows: [string, string][] = [
    [
      'devices connected (authenticated, registered)',
      `${f.connected.toLocaleString('en')} of ${f.connections.toLocaleString('en')} in ${f.connectSeconds} s`,
    ],
    ['processes', `${f.edges} edges, ${f.clientProcesses} client processes, 1 registry (memory store)`],
    [
      `open after ${f.holdSeconds} s held, heartbeats every ${f.heartbeatSeconds} s`,
      `${f.openAfterHold.toLocaleString('en')} (${pct(f.openAfterHold, f.connections)})`,
    ],
    ['edge RSS per connection', `${f.edgeRssPerConnection.toLocaleString('en')} B (edges ${f.edgeRssTotalMiB} MiB in all)`],
    ['registry RSS', `${f.registryRssMiB} MiB`],
    ['edge CPU at idle', `${f.edgeCpuIdlePercent} % of one core in all (${f.edgeCpuIdlePercentPerEdge} % per edge)`],
    ['registry CPU at idle', `${f.registryCpuIdlePercent} % of one core`],
    ['sample pushed (direct path)', `${f.sampleDelivered}/${f.sample} delivered, p50 ${f.sampleP50Ms} ms, p99 ${f.sampleP99Ms} ms`],
    ['open files per process (limit)', String(f.limits.openFilesPerProcess)],
    [
      'kernel connection tracking',
      f.limits.conntrackMax === null ? 'not available' : `${f.limits.conntrackUsed ?? '?'} used of ${f.limits.conntrackMax}`,
    ],
    ['memory available at the end', `${f.limits.memAvailableMiB.toLocaleString('en')} MiB`],
    ['load average (1, 5, 15 min)', f.limits.loadAverage.join(', ')],
  ];
  return [
    `## Capacity: ${f.connections.toLocaleString('en')} connections on one machine (${f.at}, ${f.git.commit}${f.git.dirty ? ' + local changes' : ''})`,
    '',
    '| figure | value |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
  ].join('\n');
}

const bench = new BenchRun('bench:capacity', USAGE);
bench.run(() => main(bench));
