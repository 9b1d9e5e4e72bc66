/**
 * `npm run bench:topics`: topics and broadcast (issue 14) next to their peers, in one run, servers
 * alternating round by round (medians of the rounds):
 *   1. broadcast to N connections over four server processes — Pushwire's edges (one record on the
 *      Kafka topic log) vs bare uWebSockets.js `app.publish` of the same frame: time until each
 *      device has it (p50 / p99 / max) and server CPU per delivered frame (target ≤ 1.2× bare);
 *   2. one topic with N subscribers on one server at P publishes/s: publish → device latency, the
 *      edge vs Socket.IO rooms (target p99 < 50 ms);
 *   3. edge RSS per idle connection with every connection in three topics vs none (target ≤ 1.25×).
 * Writes docs/benchmarks/topics.{json,svg,md} (`--quick`: topics-quick.*).
 *
 * Kafka: KAFKA_BROKERS when set (e.g. from `npm run infra:up`), else that of a running `infra:up`,
 * else started for the run. Loopback only, bounded in count and time (`--max-minutes`, after which
 * it stops what it started and exits); every process it starts is stopped at the end or on Ctrl-C.
 */
import path from 'node:path';
import { ClientFleet } from '@pushwire/loadgen';
import { BenchFailure, BenchRun, intOption, isLoopback, parseBenchArgs, UsageError } from '../bench-run';
import { benchInfra, gitCommit } from '../cluster-bench';
import { finishedReport, markdownTable, writeReport, type BenchReport } from '../report';
import { FigureBook, type Target } from '../suite/figures';
import { BARE_UWS, PUSHWIRE, SOCKET_IO } from '../suite/servers';
import { BROADCAST_PROCESSES, broadcastRound } from './broadcast';
import { topicLatencyRound } from './topic-latency';
import { topicMemoryRound } from './topic-memory';
import { runTag, TopicLogPublisher } from './topic-log';

const USAGE = `Usage: npm run bench:topics -- [--quick] [options]

Topics and broadcast next to their peers, servers alternating round by round (medians of the
rounds): broadcast over four processes (Pushwire edges vs bare uWebSockets.js app.publish), one
topic's publish → device latency (Pushwire edge vs Socket.IO rooms), RSS per idle connection with
three topics each vs none. Writes docs/benchmarks/topics.{json,svg,md} (--quick: topics-quick.*).

Options (full defaults, --quick ones in brackets):
  --quick             small counts, one round: a smoke run
  --peers-only        the peers alone (no Pushwire edge; the memory scenario has no peer and is skipped)
  --rounds N          rounds (3 [1]; 1 to 9)
  --connections N     broadcast: devices over four processes (76000 [2000]; 4 to 76000)
  --broadcasts N      broadcast: measured broadcasts per round (6 [3]; 1 to 100)
  --subscribers N     topic latency: subscribers of the one topic (19000 [1000]; 1 to 19000)
  --rate N            topic latency: publishes per second (10; 1 to 1000)
  --seconds N         topic latency: seconds of publishing per round (5 [2]; 1 to 120)
  --idle N            memory: idle connections per variant (19000 [1000]; 100 to 19000)
  --settle N          memory: seconds connections settle before RSS is read (5 [2]; 0 to 60)
  --only LIST         scenarios to run, comma-separated: broadcast,latency,memory (default all)
  --max-minutes N     no new scenario starts after N minutes; at N + 2 the scenario running is left
                      and the report written with what was measured (11; 1 to 60)
  --out DIR           where the results go (default docs/benchmarks; "-" writes nothing)
  -h, --help          print this text`;

const bench = new BenchRun('bench:topics', USAGE);
const log = (msg: string) => process.stderr.write(`[bench:topics] ${msg}\n`);

const NO_TOPICS = 'Pushwire edge, no topics';
const SCENARIOS = ['broadcast', 'latency', 'memory'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Options {
  quick: boolean;
  peersOnly: boolean;
  rounds: number;
  connections: number;
  broadcasts: number;
  subscribers: number;
  rate: number;
  seconds: number;
  idle: number;
  settle: number;
  only: Scenario[];
  maxMinutes: number;
  out: string | undefined;
}

function parseOptions(argv: string[]): Options | undefined {
  const quick = argv.includes('--quick');
  const peersOnly = argv.includes('--peers-only');
  const values = parseBenchArgs(
    argv.filter((a) => a !== '--quick' && a !== '--peers-only'),
    {
      rounds: quick ? '1' : '3',
      connections: quick ? '2000' : '76000',
      broadcasts: quick ? '3' : '6',
      subscribers: quick ? '1000' : '19000',
      rate: '10',
      seconds: quick ? '2' : '5',
      idle: quick ? '1000' : '19000',
      settle: quick ? '2' : '5',
      only: SCENARIOS.join(','),
      'max-minutes': '11',
      out: 'docs/benchmarks',
    },
  );
  if (!values) return undefined;
  const only = values.only!.split(',').filter((s) => s !== '');
  for (const s of only)
    if (!(SCENARIOS as readonly string[]).includes(s)) throw new UsageError(`--only: unknown scenario "${s}" (${SCENARIOS.join(', ')})`);
  return {
    quick,
    peersOnly,
    rounds: intOption('rounds', values.rounds, 1, 9),
    connections: intOption('connections', values.connections, BROADCAST_PROCESSES, 76_000),
    broadcasts: intOption('broadcasts', values.broadcasts, 1, 100),
    subscribers: intOption('subscribers', values.subscribers, 1, 19_000),
    rate: intOption('rate', values.rate, 1, 1000),
    seconds: intOption('seconds', values.seconds, 1, 120),
    idle: intOption('idle', values.idle, 100, 19_000),
    settle: intOption('settle', values.settle, 0, 60),
    only: only as Scenario[],
    maxMinutes: intOption('max-minutes', values['max-minutes'], 1, 60),
    out: values.out === '-' ? undefined : values.out,
  };
}

async function kafkaBrokers(): Promise<string> {
  const fromEnv = process.env.KAFKA_BROKERS;
  const brokers = fromEnv || (await benchInfra(bench, log)).kafkaBrokers;
  for (const b of brokers.split(','))
    if (!isLoopback(b)) throw new BenchFailure(`${b} is not a loopback address: this bench only talks to 127.0.0.1`);
  return brokers;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) {
    console.log(USAGE);
    return;
  }
  const startedAt = new Date();
  // Bounded in time whatever happens: a run that has not written its report a minute after the hard
  // stop (below) SIGTERMs itself (BenchRun cleans up and exits).
  const watchdog = setTimeout(
    () => {
      log(`still running after ${opts.maxMinutes + 3} minutes: stopping`);
      process.kill(process.pid, 'SIGTERM');
    },
    (opts.maxMinutes + 3) * 60_000,
  );
  watchdog.unref();
  const overBudget = () => Date.now() - startedAt.getTime() > opts.maxMinutes * 60_000;
  const { commit, dirty } = await gitCommit();
  const brokers = await kafkaBrokers();
  const tag = runTag();
  const publisher = new TopicLogPublisher(brokers, tag);
  bench.onCleanup(() => publisher.close());
  await publisher.ensureLog();
  log(`Kafka ${brokers}; run tag ${tag}`);
  const book = new FigureBook();
  const notes: string[] = [];
  const runs = (scenario: Scenario) => opts.only.includes(scenario) && !(opts.peersOnly && scenario === 'memory');
  const measured = <T extends string>(order: readonly T[]) => order.filter((s) => !opts.peersOnly || s !== 'pushwire');
  const n = opts.connections;
  // One fleet for all scenarios, sized for the broadcast (a process holds at most 19,000 sockets).
  const fleet = await ClientFleet.start({ processes: Math.ceil(Math.max(n, opts.subscribers, opts.idle) / 19_000), threadsPerProcess: 1 });
  bench.onCleanup(() => fleet.stop());

  // 1. Broadcast over four processes.
  const broadcastScenario = `broadcast to ${n} connections over ${BROADCAST_PROCESSES} processes (${opts.broadcasts} per round)`;
  const broadcastOnce = async (round: number) => {
    for (const server of measured(round % 2 === 0 ? (['pushwire', 'bare'] as const) : (['bare', 'pushwire'] as const))) {
      const name = server === 'pushwire' ? PUSHWIRE.name : BARE_UWS.name;
      const f = await broadcastRound(
        server,
        { connections: n, broadcasts: opts.broadcasts, kafkaBrokers: brokers },
        fleet,
        publisher,
        bench,
        log,
      );
      book.record(broadcastScenario, 'p50 send → device', 'ms', name, f.p50Ms);
      book.record(broadcastScenario, 'p99 send → device', 'ms', name, f.p99Ms);
      book.record(broadcastScenario, 'max send → device (the last device)', 'ms', name, f.maxMs);
      book.record(broadcastScenario, 'last device, median over broadcasts', 'ms', name, f.lastDeviceMedianMs);
      book.record(
        broadcastScenario,
        'server CPU per delivered message',
        'µs',
        name,
        f.cpuMicrosPerMessage,
        server === 'pushwire' ? { op: '<=', value: 1.2, server: BARE_UWS.name } : undefined,
      );
      book.record(
        broadcastScenario,
        'server CPU per delivered message, net of idle',
        'µs',
        name,
        f.netCpuMicrosPerMessage,
        server === 'pushwire' ? { op: '<=', value: 1.2, server: BARE_UWS.name } : undefined,
      );
      book.record(broadcastScenario, 'server CPU when idle (all processes)', 'ms/s', name, f.idleCpuMsPerSecond);
      book.record(broadcastScenario, 'connected devices', 'conn', name, f.connected);
      book.record(broadcastScenario, 'delivered to connected devices', '%', name, Math.round((f.delivered / f.expected) * 10_000) / 100);
    }
  };

  // 2. One topic's publish → device latency on one server.
  const latencyScenario = `one topic, ${opts.subscribers} subscribers on one server, ${opts.rate} publishes/s for ${opts.seconds} s`;
  const latencyOnce = async (round: number) => {
    for (const server of measured(round % 2 === 0 ? (['pushwire', 'socketio'] as const) : (['socketio', 'pushwire'] as const))) {
      const name = server === 'pushwire' ? PUSHWIRE.name : SOCKET_IO.name;
      const f = await topicLatencyRound(
        server,
        { subscribers: opts.subscribers, rate: opts.rate, seconds: opts.seconds, kafkaBrokers: brokers, tag },
        fleet,
        publisher,
        bench,
        log,
      );
      // A percentile past the messages that arrived in time has no value: not recorded, said in the notes.
      const latency = (metric: string, v: number, target?: Target) => {
        if (Number.isFinite(v)) book.record(latencyScenario, metric, 'ms', name, v, target);
        else
          notes.push(
            `${name}, round ${round + 1}: ${metric} not reached: ${f.deliveredPercent}% of the messages arrived within 15 s of the last publish.`,
          );
      };
      latency('p50 publish → device', f.p50Ms);
      latency('p99 publish → device', f.p99Ms, server === 'pushwire' ? { op: '<=', value: 50 } : undefined);
      latency('max publish → device', f.maxMs);
      book.record(latencyScenario, 'delivered', '%', name, f.deliveredPercent);
      book.record(latencyScenario, 'server CPU, first publish to last delivery', '% of a core', name, f.serverCpuPercent);
    }
  };

  // 3. RSS per idle connection, three topics each vs none.
  const memoryScenario = `idle connections (${opts.idle}), each in three topics vs none`;
  const memoryOnce = async (round: number) => {
    for (const withTopics of round % 2 === 0 ? [true, false] : [false, true]) {
      const name = withTopics ? PUSHWIRE.name : NO_TOPICS;
      const f = await topicMemoryRound(
        withTopics,
        { connections: opts.idle, settleMs: opts.settle * 1000, kafkaBrokers: brokers, tag },
        fleet,
        bench,
        log,
      );
      book.record(
        memoryScenario,
        'RSS per idle connection',
        'B',
        name,
        f.rssPerConnection,
        withTopics ? { op: '<=', value: 1.25, server: NO_TOPICS } : undefined,
      );
      book.record(memoryScenario, 'RSS per idle connection after GC', 'B', name, f.rssPerConnectionAfterGc);
    }
  };

  // Rounds outermost, so that a run cut short by --max-minutes has every scenario at least once.
  const bodies: Record<Scenario, (round: number) => Promise<void>> = { broadcast: broadcastOnce, latency: latencyOnce, memory: memoryOnce };
  let cut = false;
  for (let round = 0; round < opts.rounds && !cut && !bench.interrupted; round++) {
    for (const scenario of SCENARIOS.filter(runs)) {
      if (bench.interrupted) break;
      if (overBudget()) {
        notes.push(
          `Cut short: past --max-minutes ${opts.maxMinutes} in round ${round + 1} of ${opts.rounds}, before ${scenario}; the rest was skipped.`,
        );
        cut = true;
        break;
      }
      log(`${scenario}: round ${round + 1}/${opts.rounds}`);
      // Past the hard stop the scenario is left behind (the clean-up stops its processes) and the
      // report is written with what was measured.
      const late = Math.max(0, startedAt.getTime() + (opts.maxMinutes + 2) * 60_000 - Date.now());
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        bodies[scenario](round).then(() => 'done' as const),
        new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), late))),
      ]);
      clearTimeout(timer);
      if (outcome === 'late') {
        notes.push(
          `Stopped at --max-minutes ${opts.maxMinutes} + 2 during ${scenario}, round ${round + 1} of ${opts.rounds}: that round is partial or missing.`,
        );
        cut = true;
        break;
      }
    }
  }
  await fleet.stop();

  notes.unshift(
    `Every server in its own process on 127.0.0.1, the client fleet (raw sockets, @pushwire/loadgen) in others; Kafka ${process.env.KAFKA_BROKERS ? 'of the environment (shared broker)' : 'of infra'}. Pushwire: the edge as shipped (EDGE_NODE_FLAGS) on a registry with its memory store, reading the topic log \`pushwire.topic-messages\` (one partition) on Kafka; a publish or broadcast is one record appended to it (acks=all), as PushClient.publish / broadcast do. Every payload is {"t": send time}; a device's latency is its receive time minus t (one clock: the machine's).`,
    `Broadcast: ${n} devices split evenly over ${BROADCAST_PROCESSES} server processes (a process holds at most ~19,500 sockets here). Pushwire: every WebSocket joins its edge's device-type topic on the first (warm-up) broadcast to its type, a broadcast is uWS app.publish on each edge. Peer: ${BROADCAST_PROCESSES} bare uWebSockets.js processes, every socket subscribed to one uWS topic, each handed the same frame text an edge writes by POST /publish (send time taken before the four requests). One broadcast at a time; server CPU = user + system time of the ${BROADCAST_PROCESSES} server processes (all threads, /proc schedstat) from the send until the last device had it, per delivered frame; "net of idle" subtracts what the same processes spend idle (measured over 2 s before the broadcasts) for the length of that window, which the client processes' reading speed sets — an edge's idle cost is mostly its Kafka tail of the topic log. One warm-up broadcast per round is not counted.`,
    `Topic latency: open loop (publish i is due at start + i / rate). Pushwire: devices subscribe with \`subscribe\` frames allowed by their token's \`topics\` claim. Peer: Socket.IO 4 (WebSocket transport), every socket in one room joined on connection, a publish is POST /publish → io.to(room).emit (send time taken before the request).`,
    `Memory: the edge with the topic log on Kafka, measured as \`npm run bench\`'s idle memory (RSS growth over the connect after settling, and after a full GC); "three topics" = one shared by all, one of 100, one of 1,000 (subscribed with frames: uWS topics and the edge's per-connection set); "no topics" = the same edge, devices subscribing to nothing. Both include what the edge holds per connection once it reads a topic log (not a device-type broadcast topic: a WebSocket joins it only on the first broadcast to its type) and, here, the connection events it buffers for Kafka: their topic is the device-list service's, which does not run in this bench (on the shared broker it would keep every run's events for other consumers to replay), so the edge keeps them (bounded at 100,000) — \`npm run bench\`'s edge, without Kafka, has neither.`,
  );
  const report: BenchReport = finishedReport({
    suite: opts.quick ? 'topics-quick' : 'topics',
    startedAt,
    commit,
    dirty,
    options: { ...opts },
    figures: book.figures(),
    notes,
  });
  const baselines = [BARE_UWS.name, SOCKET_IO.name, NO_TOPICS];
  console.log(`\n${markdownTable(report, baselines)}\n`);
  if (opts.out && report.figures.length) {
    const written = await writeReport(report, path.resolve(opts.out), baselines);
    log(
      `wrote ${Object.values(written)
        .map((p) => path.relative(process.cwd(), p))
        .join(', ')}`,
    );
  }
  clearTimeout(watchdog);
}

bench.run(main);
