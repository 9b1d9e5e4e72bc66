/**
 * `npm run bench:fanout`: only the fan-out scenario of `npm run bench` (batches of 500 to the edge's
 * POST /v1/deliver, the same batches to bare uWebSockets.js's /push), the two servers alternating
 * round by round, so the edge's CPU per delivered message is read next to the floor in the same
 * minutes on a noisy machine. With `--profile DIR` the edge samples its CPU (inspector) and writes
 * a .cpuprofile there when it stops.
 *
 *   npm run bench:fanout -- [--connections 19000] [--repeat 5] [--rounds 3] [--journal 0] [--profile DIR]
 */
import path from 'node:path';
import { ClientFleet } from '@pushwire/loadgen';
import { cpuSeconds } from './cluster-bench';
import { BenchRun, intOption, parseBenchArgs } from './bench-run';
import { median } from './stats';
import { connectAndIdle, fanOut } from './suite/scenarios';
import { BARE_UWS, startPushwireEdges, type RunningServer } from './suite/servers';

const USAGE = `Usage: npm run bench:fanout -- [options]

The fan-out of npm run bench alone: Pushwire's edge and bare uWebSockets.js alternating, server CPU
per delivered message (µs) each round and the median.

Options:
  --connections N   devices per server (default 19000, as --full; 100 to 19000)
  --repeat N        messages per device per round (default 5; 1 to 50)
  --rounds N        rounds (default 3; 1 to 9)
  --journal BYTES   the edge's PUSHWIRE_JOURNAL_MAX_BYTES (0: off; default: the edge's own default)
  --profile DIR     sample the edge's CPU; DIR/edge-<pid>.cpuprofile written when it stops
  -h, --help        print this text`;

/** How long the idle CPU of n held connections is sampled before the fan-out. */
const IDLE_SAMPLE_MS = 5_000;

const bench = new BenchRun('bench:fanout', USAGE);
const log = (msg: string) => process.stderr.write(`[bench:fanout] ${msg}\n`);

async function main(): Promise<void> {
  const values = parseBenchArgs(process.argv.slice(2), {
    connections: '19000',
    repeat: '5',
    rounds: '3',
    journal: undefined,
    profile: undefined,
  });
  if (!values) {
    console.log(USAGE);
    return;
  }
  const n = intOption('connections', values.connections, 100, 19_000);
  const repeat = intOption('repeat', values.repeat, 1, 50);
  const rounds = intOption('rounds', values.rounds, 1, 9);
  const profile = values.profile ? path.resolve(values.profile) : undefined;
  const env: Record<string, string> = {
    ...(values.journal !== undefined ? { PUSHWIRE_JOURNAL_MAX_BYTES: String(intOption('journal', values.journal, 0, 1_073_741_824)) } : {}),
    ...(profile
      ? {
          NODE_OPTIONS:
            `${process.env.NODE_OPTIONS ?? ''} --require ${require.resolve('tsx/cjs')} --require ${path.join(__dirname, 'cpu-profile-preload.ts')}`.trim(),
          PUSHWIRE_BENCH_PROFILE_DIR: profile,
          PUSHWIRE_BENCH_PROFILE_NAME: 'edge',
        }
      : {}),
  };
  const fleet = await ClientFleet.start({ processes: 1, threadsPerProcess: 2 });
  bench.onCleanup(() => fleet.stop());
  const figures: Record<string, number[]> = { edge: [], uws: [] };
  const idle: Record<string, number[]> = { edge: [], uws: [] };
  for (let round = 0; round < rounds && !bench.interrupted; round++) {
    for (const kind of round % 2 === 0 ? (['edge', 'uws'] as const) : (['uws', 'edge'] as const)) {
      const server: RunningServer = kind === 'uws' ? await BARE_UWS.start() : await startEdge(env, profile !== undefined);
      let stopped: Promise<void> | undefined;
      const stop = () => (stopped ??= server.stop());
      bench.onCleanup(stop);
      try {
        await connectAndIdle(server, fleet, n, 1_000);
        // What the server spends holding n idle connections, per second: part of every figure below.
        const cpu0 = cpuSeconds(server.pid);
        await new Promise((r) => setTimeout(r, IDLE_SAMPLE_MS));
        const idleMs = Math.round(((cpuSeconds(server.pid) - cpu0) * 1e7) / IDLE_SAMPLE_MS) / 10;
        idle[kind]!.push(idleMs);
        const fan = await fanOut(server, fleet, n, repeat);
        if (fan.delivered < fan.sent) throw new Error(`${kind}: fan-out delivered ${fan.delivered} of ${fan.sent}`);
        figures[kind]!.push(fan.cpuMicrosPerMessage);
        log(`round ${round + 1}: ${kind} ${fan.cpuMicrosPerMessage} µs/msg, ${fan.msgsPerSecond} msg/s; idle ${idleMs} ms CPU/s`);
      } finally {
        await fleet.closeAll();
        await stop();
      }
    }
  }
  const edge = Math.round(median(figures.edge!) * 10) / 10;
  const uws = Math.round(median(figures.uws!) * 10) / 10;
  console.log(
    `fan-out server CPU per message (median of ${figures.edge!.length}): edge ${edge} µs [${figures.edge!.join(', ')}], bare uWS ${uws} µs [${figures.uws!.join(', ')}], ratio ${(edge / uws).toFixed(2)}; idle CPU ms/s edge [${idle.edge!.join(', ')}], bare uWS [${idle.uws!.join(', ')}]`,
  );
}

/** One edge on its registry; with profiling it is stopped by SIGTERM so the profile gets written. */
async function startEdge(env: Record<string, string>, profiling: boolean): Promise<RunningServer> {
  const cluster = await startPushwireEdges(1, { env });
  const edge = cluster.edges[0]!;
  return {
    ...edge,
    stop: async () => {
      if (profiling) await edge.terminate();
      await cluster.stop();
    },
  };
}

bench.run(main);
