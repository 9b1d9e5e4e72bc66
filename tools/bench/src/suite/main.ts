/**
 * `npm run bench`: Pushwire's edge next to the servers a user would pick instead — `ws`, Socket.IO,
 * and bare uWebSockets.js as the floor — on the same scenarios in one run, servers alternating
 * round by round, medians of the rounds; then Pushwire's reconnect storm (herd control). Prints the
 * table with ratios and writes JSON, an SVG chart and a markdown summary under docs/benchmarks/.
 *
 *   npm run bench                  quick suite (under 5 minutes)
 *   npm run bench -- --full        the big one: 19,000 connections per server, 5,000 msg/s, a
 *                                  19,000-device storm, 75,000+ connections over four edges
 *
 * No Kafka or DynamoDB: Pushwire runs as an edge process on a registry process with its memory
 * store (the direct path; Kafka and DynamoDB figures come from bench:push and bench:d2d). Loopback
 * only, bounded in count and time; every process it starts is stopped at the end or on Ctrl-C.
 */
import os from 'node:os';
import path from 'node:path';
import { ClientFleet } from '@pushwire/loadgen';
import { gitCommit } from '../cluster-bench';
import { BenchRun, intOption, parseBenchArgs, UsageError } from '../bench-run';
import { finishedReport, markdownTable, writeReport, type BenchReport } from '../report';
import { FigureBook } from './figures';
import { connectAndIdle, directAtRate, directMax, fanOut, senderFor } from './scenarios';
import { ALL_SERVERS, PUSHWIRE, type RunningServer, type ServerKind } from './servers';
import { reconnectStorm, holdMany } from './herd';

const USAGE = `Usage: npm run bench -- [--full] [options]

Pushwire's edge next to ws, Socket.IO and bare uWebSockets.js, same scenarios, servers alternating
round by round (median of the rounds): connect rate and idle memory per connection, fan-out msgs/s
and server CPU per message, direct push latency at a fixed rate and throughput at max; then
Pushwire's reconnect storm. Writes docs/benchmarks/<quick|full>.{json,svg,md}.

Options:
  --full              the big suite (defaults below in brackets)
  --connections N     devices per server (quick 5000 [19000]; 100 to 19000)
  --rounds N          rounds (default 3; 1 to 9)
  --rate N            direct push msg/s in the fixed-rate phase (quick 2000 [5000])
  --seconds N         length of the fixed-rate phase (quick 4 [10])
  --burst N           messages of the direct-push-at-max phase (quick 40000 [200000])
  --storm N           devices on the drained edge in the storm (quick 3000 [19000]; 0 skips it)
  --hold N            connections held over four edges with heartbeats (quick 0 [76000]; 0 skips it)
  --client-threads N  worker threads of the client fleet (default 2; 1 to 4)
  --servers LIST      which servers, by short name (default pushwire,ws,socketio,uws); a loaded
                      machine that cannot connect a peer's devices in time still measures the rest
  --out DIR           where the results go (default docs/benchmarks; "-" writes nothing)
  -h, --help          print this text`;

const bench = new BenchRun('bench', USAGE);
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface Options {
  full: boolean;
  connections: number;
  rounds: number;
  rate: number;
  seconds: number;
  burst: number;
  storm: number;
  hold: number;
  clientThreads: number;
  servers: readonly ServerKind[];
  out: string | undefined;
}

function parseOptions(argv: string[]): Options | undefined {
  const full = argv.includes('--full');
  const values = parseBenchArgs(
    argv.filter((a) => a !== '--full'),
    {
      connections: full ? '19000' : '5000',
      rounds: '3',
      rate: full ? '5000' : '2000',
      seconds: full ? '10' : '4',
      burst: full ? '200000' : '40000',
      storm: full ? '19000' : '3000',
      hold: full ? '76000' : '0',
      'client-threads': '2',
      servers: ALL_SERVERS.map((s) => s.short).join(','),
      out: 'docs/benchmarks',
    },
  );
  if (!values) return undefined;
  return {
    full,
    connections: intOption('connections', values.connections, 100, 19_000),
    rounds: intOption('rounds', values.rounds, 1, 9),
    rate: intOption('rate', values.rate, 100, 50_000),
    seconds: intOption('seconds', values.seconds, 1, 60),
    burst: intOption('burst', values.burst, 100, 1_000_000),
    storm: intOption('storm', values.storm, 0, 19_000),
    hold: intOption('hold', values.hold, 0, 76_000),
    clientThreads: intOption('client-threads', values['client-threads'], 1, 4),
    servers: serversOption(values.servers!),
    out: values.out === '-' ? undefined : values.out,
  };
}

/** `--servers`: short names, in table order whatever order they are given in. */
function serversOption(raw: string): readonly ServerKind[] {
  const names = raw.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !ALL_SERVERS.some((s) => s.short === n));
  if (unknown.length || names.length === 0)
    throw new UsageError(`--servers: unknown ${unknown.join(', ')} (known: ${ALL_SERVERS.map((s) => s.short).join(', ')})`);
  return ALL_SERVERS.filter((s) => names.includes(s.short));
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) {
    console.log(USAGE);
    return;
  }
  const startedAt = new Date();
  const { commit, dirty } = await gitCommit();
  const book = new FigureBook(log);
  const notes: string[] = [];
  const n = opts.connections;
  const fleet = await ClientFleet.start({ processes: 1, threadsPerProcess: opts.clientThreads });
  bench.onCleanup(() => fleet.stop());

  for (let round = 0; round < opts.rounds && !bench.interrupted; round++) {
    // Rotate the order each round so no server always runs first (warm caches) or last (a tired machine).
    const order = opts.servers.map((_, i) => opts.servers[(i + round) % opts.servers.length]!);
    for (const kind of order) {
      if (bench.interrupted) break;
      log(`round ${round + 1}/${opts.rounds}: ${kind.name}`);
      const server = await kind.start();
      let stopped = false;
      const stop = async () => {
        if (!stopped) await server.stop();
        stopped = true;
      };
      bench.onCleanup(stop);
      try {
        await measureServer(server, kind.name, fleet, n, opts, book);
      } finally {
        await fleet.closeAll();
        await stop();
      }
    }
  }

  if (opts.storm > 0 && !bench.interrupted) {
    for (let round = 0; round < opts.rounds && !bench.interrupted; round++) {
      for (const mode of ['drain', 'kill'] as const) {
        log(
          `reconnect storm ${round + 1}/${opts.rounds}: ${opts.storm} devices on an edge that ${mode === 'drain' ? 'drains' : 'is killed'}`,
        );
        const storm = await reconnectStorm(mode, opts.storm, opts.full ? 10 : 3, bench, log);
        const scenario = `reconnect storm (${opts.storm} devices, edge ${mode === 'drain' ? `drained over ${opts.full ? 10 : 3} s` : 'SIGKILLed'})`;
        book.record(scenario, 'all reconnected after', 's', PUSHWIRE.name, storm.seconds);
        book.record(scenario, 'peak accepts', 'conn/s', PUSHWIRE.name, storm.peakAcceptsPerSecond);
        book.record(scenario, 'refused (503) on the way', 'count', PUSHWIRE.name, storm.refused);
        book.record(scenario, 'failed final attempts', 'count', PUSHWIRE.name, storm.gaveUp, { op: '<=', value: 0 });
      }
    }
  }
  if (opts.hold > 0 && !bench.interrupted) {
    log(`holding ${opts.hold} connections over four edges`);
    const hold = await holdMany(opts.hold, 4, bench, log);
    const scenario = `hold ${opts.hold} connections, 4 edges, heartbeats 10 s`;
    book.record(scenario, 'connected at the end', 'conn', PUSHWIRE.name, hold.openAtEnd, { op: '>=', value: 75_000 });
    book.record(scenario, 'edge RSS per connection', 'B', PUSHWIRE.name, hold.rssPerConnection);
    notes.push(hold.note);
  }

  const report: BenchReport = finishedReport({
    suite: opts.full ? 'full' : 'quick',
    startedAt,
    commit,
    dirty,
    options: { ...opts, servers: opts.servers.map((s) => s.short) },
    figures: book.figures(),
    notes: [
      `Each server in its own process on 127.0.0.1; the client fleet (raw sockets, @pushwire/loadgen) in others. Pushwire: the edge as shipped (${'EDGE_NODE_FLAGS'}) on a registry with its memory store; its accept limit is off for the connect-rate figure and on (default 5,000/s) in the storm.`,
      'Fan-out hands each server batches of 500 {deviceId, payload} (Pushwire: POST /v1/deliver; peers: the same batch to POST /push). Direct push for Pushwire is end to end: PushClient.sendMany → registry (route cache) → edge → device.',
      ...notes,
    ],
  });
  console.log(`\n${markdownTable(report, 'bare uWebSockets.js')}\n`);
  console.log(
    `machine: ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, load ${report.machine.loadAverage.map((l) => l.toFixed(1)).join(' ')}; commit ${commit.slice(0, 10)}${dirty ? ' (uncommitted changes)' : ''}`,
  );
  if (opts.out) {
    const written = await writeReport(report, path.resolve(opts.out), 'bare uWebSockets.js');
    log(
      `wrote ${Object.values(written)
        .map((p) => path.relative(process.cwd(), p))
        .join(', ')}`,
    );
  }
}

async function measureServer(
  server: RunningServer,
  name: string,
  fleet: ClientFleet,
  n: number,
  opts: Options,
  book: FigureBook,
): Promise<void> {
  const idleScenario = `connect + idle (${n} connections)`;
  const idle = await connectAndIdle(server, fleet, n, opts.full ? 10_000 : 3_000);
  book.record(
    idleScenario,
    'accepts',
    'conn/s',
    name,
    idle.acceptsPerSecond,
    name === PUSHWIRE.name ? { op: '>=', value: 10_000 } : undefined,
  );
  book.record(
    idleScenario,
    'RSS per idle connection',
    'B',
    name,
    idle.rssPerConnection,
    name === PUSHWIRE.name ? { op: '<=', value: 1_500 } : undefined,
  );
  book.record(idleScenario, 'RSS per idle connection after GC', 'B', name, idle.rssPerConnectionAfterGc);

  const repeat = opts.full ? 5 : 4;
  const fan = await fanOut(server, fleet, n, repeat);
  const fanScenario = `fan-out (${n * repeat} messages, batches of 500)`;
  book.record(fanScenario, 'delivered', 'msg/s', name, fan.msgsPerSecond);
  book.record(
    fanScenario,
    'server CPU per message',
    'µs',
    name,
    fan.cpuMicrosPerMessage,
    name === PUSHWIRE.name ? { op: '<=', value: 14 } : undefined,
  );
  if (fan.delivered < fan.sent) throw new UsageError(`${name}: fan-out delivered ${fan.delivered} of ${fan.sent}`);

  const sender = senderFor(server);
  try {
    const rated = await directAtRate(sender, fleet, n, opts.rate, opts.seconds);
    const rateScenario = `direct push at ${opts.rate} msg/s`;
    book.record(rateScenario, 'p50 latency', 'ms', name, rated.p50Ms);
    book.record(
      rateScenario,
      'p99 latency',
      'ms',
      name,
      rated.p99Ms,
      name === PUSHWIRE.name && opts.rate >= 5000 ? { op: '<=', value: 5 } : undefined,
    );
    book.record(rateScenario, 'delivered', '%', name, Math.round((rated.delivered / rated.sent) * 1000) / 10);
    const burst = opts.burst;
    const max = await directMax(sender, fleet, n, burst);
    book.record(
      `direct push at max (${burst} messages)`,
      'delivered',
      'msg/s',
      name,
      max.msgsPerSecond,
      name === PUSHWIRE.name ? { op: '>=', value: 50_000 } : undefined,
    );
  } finally {
    await sender.close();
  }
  log(`${name}: ${os.loadavg()[0]!.toFixed(1)} load`);
}

bench.run(main);
