/**
 * `npm run bench:accept`: the connect phase of `npm run bench` alone — authenticated accepts per
 * second on one Pushwire edge next to bare uWebSockets.js, servers alternating round by round — with
 * the CPU each side spent per accept (server, the edge's registry, the client fleet), so a rate can be
 * told apart from a client-bound one. `--profile DIR` samples the edge's CPU (.cpuprofile files).
 *
 *   npm run bench:accept -- [--connections 19000] [--rounds 2] [--profile DIR]
 */
import path from 'node:path';
import { ClientFleet } from '@pushwire/loadgen';
import { BenchRun, intOption, parseBenchArgs } from './bench-run';
import { cpuSeconds } from './cluster-bench';
import { connectPlan, device } from './suite/scenarios';
import { BARE_UWS, startPushwireEdges, type RunningServer } from './suite/servers';

const USAGE = `Usage: npm run bench:accept -- [--connections N] [--rounds N] [--profile DIR]

Connects N devices (default 19000) as fast as the server takes them (at most 500 handshakes in
flight, as npm run bench does) to one Pushwire edge and to bare uWebSockets.js, alternating; prints
accepts/s and the CPU µs per accept of the server, the edge's registry and the client fleet.`;

const bench = new BenchRun('bench:accept', USAGE);
const log = (msg: string) => process.stderr.write(`[bench:accept] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  server: string;
  acceptsPerSecond: number;
  serverMicros: number;
  registryMicros: number;
  clientMicros: number;
}

async function main(): Promise<void> {
  const values = parseBenchArgs(process.argv.slice(2), { connections: '19000', rounds: '2', profile: undefined });
  if (!values) return console.log(USAGE);
  const n = intOption('connections', values.connections, 100, 19_000);
  const rounds = intOption('rounds', values.rounds, 1, 9);
  const profile = values.profile ? path.resolve(values.profile) : undefined;
  const fleet = await ClientFleet.start({ processes: 1, threadsPerProcess: 2 });
  bench.onCleanup(() => fleet.stop());
  const rows: Row[] = [];
  for (let round = 0; round < rounds && !bench.interrupted; round++) {
    for (const which of round % 2 ? ['uws', 'pushwire'] : ['pushwire', 'uws']) {
      if (bench.interrupted) break;
      const { server, registryPid, stop } = which === 'pushwire' ? await startEdge(profile) : await startPeer();
      bench.onCleanup(stop);
      try {
        rows.push(await measure(server, registryPid, fleet, n));
        log(JSON.stringify(rows.at(-1)));
      } finally {
        await fleet.closeAll();
        await stop();
      }
    }
  }
  console.log('server | accepts/s | server µs/accept | registry µs/accept | client fleet µs/accept');
  for (const r of rows)
    console.log(`${r.server} | ${r.acceptsPerSecond} | ${r.serverMicros} | ${r.registryMicros || '-'} | ${r.clientMicros}`);
  if (profile) log(`edge CPU profiles in ${profile}`);
}

async function startEdge(profile: string | undefined) {
  const env: Record<string, string> = profile
    ? {
        NODE_OPTIONS:
          `${process.env.NODE_OPTIONS ?? ''} --require ${require.resolve('tsx/cjs')} --require ${path.join(__dirname, 'cpu-profile-preload.ts')}`.trim(),
        PUSHWIRE_BENCH_PROFILE_DIR: profile,
        PUSHWIRE_BENCH_PROFILE_NAME: 'edge',
      }
    : {};
  const cluster = await startPushwireEdges(1, { env });
  // SIGTERM, not SIGKILL, when profiling: the profile is written at exit.
  const stop = profile ? () => cluster.edges[0]!.terminate().then(() => cluster.stop()) : () => cluster.stop();
  return { server: cluster.edges[0]!, registryPid: cluster.registryPid, stop: once(stop) };
}

async function startPeer() {
  const server = await BARE_UWS.start();
  return { server, registryPid: undefined, stop: once(() => server.stop()) };
}

function once(f: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= f());
}

async function measure(server: RunningServer, registryPid: number | undefined, fleet: ClientFleet, n: number): Promise<Row> {
  await sleep(500);
  const cpu = (): Cpu => ({
    at: Date.now(),
    server: cpuSeconds(server.pid),
    registry: registryPid === undefined ? 0 : cpuSeconds(registryPid),
    client: fleet.pids.reduce((s, pid) => s + cpuSeconds(pid), 0),
  });
  // Sampled through the connect: the fleet mints the devices' tokens first, and the window that
  // counts is the fleet's own, from the first attempt to the last connection settled.
  const samples: Cpu[] = [cpu()];
  const sampler = setInterval(() => samples.push(cpu()), 100);
  let report;
  try {
    report = await fleet.connect(connectPlan(server.protocol, server.devicePort, n, 0, { maxConcurrent: 500 }));
  } finally {
    clearInterval(sampler);
  }
  const end = cpu();
  const start = [...samples].reverse().find((s) => s.at <= end.at - report.seconds * 1000) ?? samples[0]!;
  await server.settled(n, device(n - 1));
  const settled = cpu();
  if (report.connected < n)
    throw new Error(`${server.name}: only ${report.connected} of ${n} connected (${JSON.stringify(report.failures)})`);
  const per = (s: number) => Math.round((s * 1e6) / n);
  return {
    server: server.name,
    acceptsPerSecond: Math.round(report.acceptsPerSecond),
    serverMicros: per(end.server - start.server),
    registryMicros: per(settled.registry - start.registry),
    clientMicros: per(end.client - start.client),
  };
}

interface Cpu {
  at: number;
  server: number;
  registry: number;
  client: number;
}

bench.run(main);
