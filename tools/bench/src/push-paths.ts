/**
 * Push paths: direct push (PushClient.sendMany → registry lookup → edge) next to indirect push
 * (PushClient.enqueueMany → Kafka → message processor → registry lookup → edge), measured at the
 * devices, alternating in one run on one cluster: the registry on DynamoDB Local, two edges and the
 * message processor on Kafka, each its own process (tools/cluster's startCluster, free ports).
 *
 *   npm run bench:push -- [--devices 200] [--rate 500] [--seconds 10] [--tick-ms 10] [--burst 10000] [--rounds 3] [--json FILE]
 *
 * Per round and path: a fixed-rate phase (open loop: message i is due at start + i/rate, whatever
 * became of the earlier ones; every `--tick-ms` what is due goes to the PushClient in one sendMany /
 * enqueueMany) and a burst phase (`--burst` messages as fast as the path takes them: chunks of 500,
 * 4 chunks in flight). Each message carries the sender's clock in its payload; the devices — raw WebSocket clients in this process, so sender and
 * devices share one clock — take the latency at the frame's arrival. Delivered msgs/s is distinct
 * messages delivered over the time from the first send to the last arrival. Direct goes first in
 * odd rounds, indirect in even ones; the table gives the median of each figure over the rounds.
 *
 * Kafka and DynamoDB Local: the ones `npm run infra:up` runs when `infra status` says they are up
 * (the bench then uses tables of its own, deleted at the end, and consumer groups of its own that
 * start at the end of the topics they read), else started for this run and stopped at the end.
 * Bounded (phases have deadlines; counts are capped), loopback only; exits non-zero on failure or
 * when messages were lost.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintDeviceToken } from '@pushwire/auth';
import { startCluster, type Cluster } from '@pushwire/cluster';
import { KafkaEventBus } from '@pushwire/event-bus';
import { Topics, type DeviceRef } from '@pushwire/protocol';
import { PushClient } from '@pushwire/push-client';
import { HttpRegistryClient } from '@pushwire/registry-client';
import { benchInfra, dropTablesAtCleanup, freeClusterPorts, gitCommit, skipHistory } from './cluster-bench';
import { BenchFailure, BenchRun, intOption, parseBenchArgs } from './bench-run';
import { paceAtRate } from './rate-pacer';
import { openRawWebSocket } from '@pushwire/loadgen';
import { BENCH_JWT_SECRET as JWT_SECRET, BENCH_EDGE_TOKEN, BENCH_SERVICE_TOKEN as SERVICE_TOKEN, toStderr } from './service-process';
import { cpuSnapshot, cpuSpent, pidsByCommandLine, type ProcessGroups } from './process-cpu';
import { median, percentile } from './stats';

const USAGE = `Usage: npm run bench:push -- [options]

Direct push (send → registry → edge) next to indirect push (enqueue → Kafka → message processor →
edge) on one cluster (registry on DynamoDB Local, two edges, processor on Kafka): delivered count,
delivered msgs/s and end-to-end latency p50/p99/max at a fixed rate, then delivered msgs/s of a
burst, per path, alternating over rounds; medians and indirect/direct ratios. Loopback only.

Options:
  --devices N   devices connected, spread over both edges (default 200; 2 to 5000)
  --rate N      messages per second in the fixed-rate phase (default 500; 1 to 20000)
  --seconds N   length of the fixed-rate phase (default 10; 1 to 120)
  --tick-ms N   fixed rate: every N ms, the messages due go in one sendMany / enqueueMany
                (default 10: 5 messages a call at 500 msg/s; 1: about one call per message)
  --burst N     messages in the max-throughput phase (default 10000; 100 to 100000)
  --rounds N    rounds, each measuring both paths (default 3; 1 to 10)
  --json FILE   also write the results as JSON to FILE
  --profile DIR sample the message processor's CPU (inspector); its .cpuprofile is written to DIR
                when it stops
  -h, --help    print this text

Kafka and DynamoDB Local: those of \`npm run infra:up\` when \`infra:status\` says they run, else
started for this run (Java 17+) and stopped at the end.`;

/** Short, so that consumers reading the shared request topics later drop the bench's messages as expired. */
const TTL_SECONDS = 120;
const BURST_CHUNK = 500;
const BURST_IN_FLIGHT = 4;
const WARMUP_SECONDS = 2;
const WARMUP_BURST = 2000;
const FIXED_DRAIN_MS = 30_000;
const BURST_DRAIN_MS = 90_000;
const PAUSE_MS = 1_000;

const bench = new BenchRun('bench:push', USAGE);
const log = (msg: string) => process.stderr.write(`${msg}\n`);

interface Options {
  devices: number;
  rate: number;
  seconds: number;
  tickMs: number;
  burst: number;
  rounds: number;
  json?: string;
  profile?: string;
}

/** The options, or undefined when `--help` asked for the usage text. */
function parseOptions(args: string[]): Options | undefined {
  const values = parseBenchArgs(args, {
    devices: '200',
    rate: '500',
    seconds: '10',
    'tick-ms': '10',
    burst: '10000',
    rounds: '3',
    json: undefined,
    profile: undefined,
  });
  if (!values) return undefined;
  return {
    devices: intOption('devices', values.devices, 2, 5000),
    rate: intOption('rate', values.rate, 1, 20_000),
    seconds: intOption('seconds', values.seconds, 1, 120),
    tickMs: intOption('tick-ms', values['tick-ms'], 1, 1000),
    burst: intOption('burst', values.burst, 100, 100_000),
    rounds: intOption('rounds', values.rounds, 1, 10),
    ...(values.json ? { json: values.json } : {}),
    ...(values.profile ? { profile: path.resolve(values.profile) } : {}),
  };
}

type PathName = 'direct' | 'indirect';
type PhaseKind = 'fixed' | 'burst';

/** What the payload of every bench message carries: phase, sequence number, sender's clock (performance.now()). */
interface BenchPayload {
  p: number;
  n: number;
  t: number;
}

/** Arrivals of one phase's messages, recorded by the devices. */
class Phase {
  /** Latency of message n, NaN until it arrives. */
  readonly latencies: Float64Array;
  delivered = 0;
  duplicates = 0;
  misrouted = 0;
  lastArrival = 0;

  constructor(
    readonly id: number,
    readonly total: number,
    private readonly devices: number,
  ) {
    this.latencies = new Float64Array(total).fill(NaN);
  }

  arrive(device: number, { n, t }: BenchPayload, now: number): void {
    if (n % this.devices !== device) this.misrouted++;
    if (!Number.isNaN(this.latencies[n]!)) {
      this.duplicates++;
      return;
    }
    this.latencies[n] = now - t;
    this.delivered++;
    this.lastArrival = now;
  }
}

/** One path and phase of one round, as measured. */
interface PhaseResult {
  round: number;
  path: PathName;
  kind: PhaseKind;
  sent: number;
  /** Direct: answered `delivered`; indirect: stored on Kafka. */
  accepted: number;
  firstError?: string;
  /** Distinct messages that arrived at their device. */
  delivered: number;
  duplicates: number;
  misrouted: number;
  /** First send → last arrival. */
  seconds: number;
  deliveredPerSecond: number;
  /** Accepted over first send → last answer from the PushClient. */
  acceptedPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Per message, from the call to the PushClient's answer (direct: the delivery status; indirect: stored on Kafka). */
  answerMs: { p50: number; p99: number };
  /** Fixed rate: how late the pacer handed messages over at worst. */
  senderMaxLagMs?: number;
  /** The drain deadline passed before every accepted message arrived. */
  timedOut: boolean;
  /** CPU seconds per process (group) over the phase: which one sets the pace. */
  cpuSeconds?: Record<string, number>;
}

/** Hands messages `first`… to one path; resolves with how many it accepted and why not the others. */
type Sender = (first: number, count: number, phase: Phase) => Promise<{ accepted: number; error?: string }>;

let current: Phase | undefined;
/** Frames that belong to no phase under way: an earlier phase's late messages, or unreadable ones. */
let strays = 0;
let phaseIds = 0;

/** A device: a raw WebSocket on one of the edges whose push frames are recorded in the current phase. */
async function connectDevice(index: number, deviceId: string, accountId: string, port: number, onClose: () => void): Promise<net.Socket> {
  const token = await mintDeviceToken({ secret: JWT_SECRET, accountId, deviceId, deviceType: 'tv', ttlSeconds: 6 * 3600 });
  const socket = await openRawWebSocket({
    port,
    path: `/v1/connect?token=${token}`,
    localAddress: '127.0.0.1',
    onText: (text) => {
      const now = performance.now();
      let frame: { type?: string; payload?: BenchPayload };
      try {
        frame = JSON.parse(text);
      } catch {
        strays++;
        return;
      }
      if (frame.type !== 'push') return;
      if (current && frame.payload?.p === current.id) current.arrive(index, frame.payload, now);
      else strays++;
    },
  });
  socket.once('close', onClose);
  return socket;
}

/** Waits until the registry resolves every device (edges register in batches). */
async function waitForRegistrations(registryUrl: string, devices: DeviceRef[]): Promise<void> {
  const registry = new HttpRegistryClient({ baseUrl: registryUrl, serviceToken: SERVICE_TOKEN, timeoutMs: 10_000 });
  try {
    const deadline = performance.now() + 30_000;
    for (;;) {
      const { missing } = await registry.lookup(devices);
      if (missing.length === 0) return;
      if (performance.now() > deadline)
        throw new BenchFailure(
          `${missing.length} of ${devices.length} devices were still not registered after 30 s, e.g. ${missing[0]!.deviceId} of ${missing[0]!.accountId}`,
        );
      await sleep(200);
    }
  } finally {
    await registry.close();
  }
}

/**
 * Runs one phase: fixed rate (open loop, `rate` msg/s) or burst (chunks, a few in flight), then
 * waits until every accepted message arrived or the drain deadline passed.
 */
async function runPhase(send: Sender, kind: PhaseKind, total: number, opts: Options): Promise<Omit<PhaseResult, 'round' | 'path'>> {
  const phase = new Phase(++phaseIds, total, opts.devices);
  current = phase;
  let sent = 0;
  let accepted = 0;
  let firstError: string | undefined;
  let lastAnswer = 0;
  const calls: Promise<void>[] = [];
  const answers = new Float64Array(total).fill(NaN);
  const call = (first: number, count: number): Promise<void> => {
    sent += count;
    const calledAt = performance.now();
    const done = send(first, count, phase).then((r) => {
      accepted += r.accepted;
      if (r.error) firstError ??= r.error;
      lastAnswer = performance.now();
      answers.fill(lastAnswer - calledAt, first, first + count);
    });
    calls.push(done);
    return done;
  };
  const started = performance.now();
  let senderMaxLagMs: number | undefined;
  if (kind === 'fixed') {
    senderMaxLagMs = (
      await paceAtRate({
        rate: opts.rate,
        total,
        tickMs: opts.tickMs,
        emit: (first, count) => void call(first, count),
        stop: () => bench.interrupted !== undefined,
      })
    ).maxLagMs;
  } else {
    let next = 0;
    const worker = async () => {
      while (next < total && !bench.interrupted) {
        const first = next;
        next = Math.min(total, next + BURST_CHUNK);
        await call(first, next - first);
      }
    };
    await Promise.all(Array.from({ length: BURST_IN_FLIGHT }, worker));
  }
  await Promise.all(calls);
  const deadline = performance.now() + (kind === 'fixed' ? FIXED_DRAIN_MS : BURST_DRAIN_MS);
  while (phase.delivered < accepted && performance.now() < deadline && !bench.interrupted) await sleep(20);
  const seconds = ((phase.delivered ? phase.lastArrival : performance.now()) - started) / 1000;
  const sorted = phase.latencies.filter((l) => !Number.isNaN(l)).sort();
  const answered = answers.filter((a) => !Number.isNaN(a)).sort();
  return {
    kind,
    sent,
    accepted,
    ...(firstError ? { firstError } : {}),
    delivered: phase.delivered,
    duplicates: phase.duplicates,
    misrouted: phase.misrouted,
    seconds,
    deliveredPerSecond: phase.delivered / seconds,
    acceptedPerSecond: accepted / ((lastAnswer - started) / 1000),
    latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1]! : NaN },
    answerMs: { p50: percentile(answered, 0.5), p99: percentile(answered, 0.99) },
    ...(senderMaxLagMs !== undefined ? { senderMaxLagMs } : {}),
    timedOut: phase.delivered < accepted,
  };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) {
    console.log(USAGE);
    return;
  }
  const t0 = performance.now();
  // The SDK warns that its 2027 releases need Node 22; the workspace pins the SDK (as the cluster does for the registry).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const loadBefore = os.loadavg()[0]!;
  const run = randomUUID().slice(0, 8);

  // Kafka and DynamoDB Local: those of a running `infra:up`, else our own.
  const { kafkaBrokers, dynamodbEndpoint, reused } = await benchInfra(bench, log);

  // Tables and consumer groups of this run only: a shared infra:up serves other runs meanwhile.
  const table = `pushwire-bench-push-${run}`;
  const deviceListTable = `pushwire-bench-push-devices-${run}`;
  const groupId = `pushwire-bench-push-${run}`;
  const deviceListGroupId = `pushwire-bench-push-devices-${run}`;
  if (reused.dynamodb) dropTablesAtCleanup(bench, dynamodbEndpoint, [table, deviceListTable]);
  for (const [group, topics] of [
    [groupId, Object.values(Topics.pushRequests)],
    [deviceListGroupId, [Topics.deviceConnections]],
  ] as const) {
    const skipped = await skipHistory(kafkaBrokers, group, topics);
    if (skipped) log(`group ${group} starts after the ${skipped} records already on ${topics.join(', ')}`);
  }

  log('starting the cluster (registry on DynamoDB, two edges, message processor on Kafka)…');
  const quiet = { PUSHWIRE_LOG_LEVEL: 'warn' };
  const cluster: Cluster = await startCluster({
    dynamodbEndpoint,
    kafkaBrokers,
    ports: await freeClusterPorts(),
    table,
    deviceListTable,
    senderTokens: SERVICE_TOKEN,
    edgeTokens: BENCH_EDGE_TOKEN,
    jwtSecret: JWT_SECRET,
    edgeEnv: { ...quiet, PUSHWIRE_EDGE_DRAIN_SECONDS: '0' },
    registryEnv: quiet,
    processorEnv: {
      ...quiet,
      PUSHWIRE_PROCESSOR_GROUP_ID: groupId,
      ...(opts.profile
        ? {
            NODE_OPTIONS:
              `${process.env.NODE_OPTIONS ?? ''} --require ${require.resolve('tsx/cjs')} --require ${path.join(__dirname, 'cpu-profile-preload.ts')}`.trim(),
            PUSHWIRE_BENCH_PROFILE_DIR: opts.profile,
            PUSHWIRE_BENCH_PROFILE_NAME: 'processor',
          }
        : {}),
    },
    deviceListEnv: { ...quiet, PUSHWIRE_DEVICE_LIST_GROUP_ID: deviceListGroupId },
    output: toStderr,
  });
  bench.onCleanup(() => cluster.stop());
  if (bench.interrupted) return;
  const pidsOf = (...ps: Array<{ pid: number | undefined }>) => ps.flatMap((p) => (p.pid ? [p.pid] : []));
  const cpuGroups: ProcessGroups = {
    processor: pidsOf(cluster.processor),
    registry: pidsOf(cluster.registry),
    edges: pidsOf(...cluster.edges.map((e) => e.process)),
    kafka: pidsByCommandLine('kafka.Kafka'),
    dynamodb: pidsByCommandLine('DynamoDBLocal'),
  };

  const bus = new KafkaEventBus({ brokers: kafkaBrokers.split(','), clientId: `pushwire-bench-push-${run}` });
  bench.onCleanup(() => bus.close());
  const client = new PushClient({ registryUrl: cluster.registryUrl, serviceToken: SERVICE_TOKEN, bus });
  bench.onCleanup(() => client.close());

  log(`connecting ${opts.devices} devices, alternating between the two edges…`);
  const devices = Array.from({ length: opts.devices }, (_, i) => ({
    accountId: `bench-acc-${run}-${i >> 1}`,
    deviceId: `bench-push-${run}-${i}`,
  }));
  const sockets: net.Socket[] = [];
  bench.onCleanup(async () => sockets.forEach((s) => s.destroy()));
  let closedDuringRun = 0;
  const edgeDevicePorts = cluster.edges.map((e) => Number(new URL(e.deviceUrl).port));
  for (let i = 0; i < opts.devices; i += 50) {
    sockets.push(
      ...(await Promise.all(
        devices
          .slice(i, i + 50)
          .map((d, j) => connectDevice(i + j, d.deviceId, d.accountId, edgeDevicePorts[(i + j) % 2]!, () => void closedDuringRun++)),
      )),
    );
  }
  await waitForRegistrations(cluster.registryUrl, devices);

  const message = (n: number, phase: Phase) => ({
    target: devices[n % opts.devices]!,
    payload: { p: phase.id, n, t: Math.round(performance.now() * 1000) / 1000 },
  });
  const failure = (e: unknown) => ({ accepted: 0, error: e instanceof Error ? e.message : String(e) });
  const senders: Record<PathName, Sender> = {
    direct: async (first, count, phase) => {
      try {
        const results = await client.sendMany(
          Array.from({ length: count }, (_, i) => ({ ...message(first + i, phase), options: { ttlSeconds: TTL_SECONDS } })),
        );
        const refused = results.find((r) => r.status !== 'delivered');
        return {
          accepted: results.filter((r) => r.status === 'delivered').length,
          ...(refused ? { error: `${refused.status}${refused.error ? `: ${refused.error}` : ''}` } : {}),
        };
      } catch (e) {
        return failure(e);
      }
    },
    indirect: async (first, count, phase) => {
      try {
        const results = await client.enqueueMany(
          Array.from({ length: count }, (_, i) => {
            return { ...message(first + i, phase), options: { ttlSeconds: TTL_SECONDS } };
          }),
        );
        const refused = results.find((r) => 'error' in r && r.error);
        return {
          accepted: results.filter((r) => !('error' in r && r.error)).length,
          ...(refused && 'error' in refused ? { error: refused.error.message } : {}),
        };
      } catch (e) {
        return failure(e);
      }
    },
  };

  // Warm-up, not measured: connections, the Kafka producer, the processor's first fetches, JIT in every process.
  for (const which of ['direct', 'indirect'] as const) {
    for (const [kind, total] of [
      ['fixed', Math.max(1, Math.round(opts.rate * WARMUP_SECONDS))],
      ['burst', Math.min(opts.burst, WARMUP_BURST)],
    ] as const) {
      const warm = await runPhase(senders[which], kind, total, opts);
      log(`warm-up ${which} ${kind}: ${warm.delivered} of ${warm.sent} delivered, p50 ${warm.latencyMs.p50.toFixed(1)} ms`);
      if (bench.interrupted) return;
      await sleep(PAUSE_MS);
    }
  }

  const results: PhaseResult[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    const order: PathName[] = round % 2 ? ['direct', 'indirect'] : ['indirect', 'direct'];
    for (const kind of ['fixed', 'burst'] as const) {
      for (const which of order) {
        log(
          `round ${round}/${opts.rounds}, ${which}, ${kind === 'fixed' ? `${opts.rate} msg/s for ${opts.seconds} s` : `burst of ${opts.burst}`}…`,
        );
        const total = kind === 'fixed' ? opts.rate * opts.seconds : opts.burst;
        const cpuBefore = cpuSnapshot(cpuGroups);
        const r: PhaseResult = { round, path: which, ...(await runPhase(senders[which], kind, total, opts)) };
        r.cpuSeconds = cpuSpent(cpuBefore, cpuSnapshot(cpuGroups));
        results.push(r);
        log(
          `  ${r.delivered} of ${r.sent} delivered in ${r.seconds.toFixed(1)} s: ${Math.round(r.deliveredPerSecond)} msgs/s, p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms, answer p50 ${r.answerMs.p50.toFixed(1)} ms${r.firstError ? `; first refusal: ${r.firstError}` : ''}`,
        );
        log(
          `  CPU s: ${Object.entries(r.cpuSeconds)
            .map(([k, v]) => `${k} ${v.toFixed(2)}`)
            .join(', ')} over ${r.seconds.toFixed(1)} s`,
        );
        if (bench.interrupted) return;
        await sleep(PAUSE_MS);
      }
    }
  }
  current = undefined;
  const runtimeSeconds = (performance.now() - t0) / 1000;
  report(opts, results, { loadBefore, runtimeSeconds, reused, git: await gitCommit(), closedDuringRun });

  const short = results.filter((r) => r.delivered < r.sent || r.misrouted > 0);
  if (short.length || closedDuringRun) {
    const why = (r: PhaseResult) =>
      [
        r.sent > r.accepted && `${r.sent - r.accepted} refused (first: ${r.firstError})`,
        r.timedOut &&
          `${r.accepted - r.delivered} accepted but not at their device ${(r.kind === 'fixed' ? FIXED_DRAIN_MS : BURST_DRAIN_MS) / 1000} s after the last send`,
        r.misrouted && `${r.misrouted} at the wrong device`,
      ]
        .filter(Boolean)
        .join(', ');
    throw new BenchFailure(
      `${short.map((r) => `round ${r.round} ${r.path} ${r.kind}: ${r.delivered} of ${r.sent} delivered (${why(r)})`).join('; ')}${closedDuringRun ? `; ${closedDuringRun} device connections closed during the run` : ''}`,
    );
  }
}

interface RunInfo {
  loadBefore: number;
  runtimeSeconds: number;
  reused: { kafka: boolean; dynamodb: boolean };
  git: { commit: string; dirty: boolean };
  closedDuringRun: number;
}

/** Prints the tables (stdout) and writes the JSON file when asked. */
function report(opts: Options, results: PhaseResult[], info: RunInfo): void {
  const pick = (which: PathName, kind: PhaseKind, f: (r: PhaseResult) => number) =>
    median(results.filter((r) => r.path === which && r.kind === kind).map(f));
  const figures: Array<[label: string, kind: PhaseKind, f: (r: PhaseResult) => number, format: (x: number) => string]> = [
    ['delivered', 'fixed', (r) => r.delivered, (x) => `${n(x)} of ${n(opts.rate * opts.seconds)}`],
    ['delivered msgs/s', 'fixed', (r) => r.deliveredPerSecond, n],
    ['latency p50 (ms)', 'fixed', (r) => r.latencyMs.p50, ms],
    ['latency p99 (ms)', 'fixed', (r) => r.latencyMs.p99, ms],
    ['latency max (ms)', 'fixed', (r) => r.latencyMs.max, ms],
    ['sender answer p50 (ms)', 'fixed', (r) => r.answerMs.p50, ms],
    ['sender answer p99 (ms)', 'fixed', (r) => r.answerMs.p99, ms],
    ['delivered msgs/s', 'burst', (r) => r.deliveredPerSecond, n],
    ['accepted msgs/s (sent / enqueued)', 'burst', (r) => r.acceptedPerSecond, n],
    ['latency p50 (ms)', 'burst', (r) => r.latencyMs.p50, ms],
    ['latency p99 (ms)', 'burst', (r) => r.latencyMs.p99, ms],
  ];
  const medians = figures.map(([label, kind, f, format]) => {
    const direct = pick('direct', kind, f);
    const indirect = pick('indirect', kind, f);
    return {
      figure: `${kind === 'fixed' ? `${n(opts.rate)} msg/s × ${opts.seconds} s` : `burst of ${n(opts.burst)}`}: ${label}`,
      direct,
      indirect,
      ratio: indirect / direct,
      format,
    };
  });
  const gib = (b: number) => (b / 1024 ** 3).toFixed(1);
  const infra =
    info.reused.kafka && info.reused.dynamodb
      ? 'reused (infra:up)'
      : info.reused.kafka || info.reused.dynamodb
        ? 'partly reused (infra:up)'
        : 'started for this run';
  console.log(
    `\nPush paths on one cluster (registry on DynamoDB Local, 2 edges, message processor on Kafka; Kafka and DynamoDB Local ${infra}): ${n(opts.devices)} devices over both edges, fixed rate in calls every ${opts.tickMs} ms, bursts in chunks of ${BURST_CHUNK} with ${BURST_IN_FLIGHT} in flight; medians of ${opts.rounds} round(s), direct and indirect alternating`,
  );
  console.log(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), ${gib(os.totalmem())} GiB; load average ${info.loadBefore.toFixed(2)} before, ${os.loadavg()[0]!.toFixed(2)} after; commit ${info.git.commit.slice(0, 12)}${info.git.dirty ? ' + uncommitted changes in the tree' : ''}; ${info.runtimeSeconds.toFixed(0)} s in all`,
  );
  console.log('| figure | direct | indirect | indirect/direct |');
  console.log('|---|---|---|---|');
  for (const m of medians)
    console.log(
      `| ${m.figure} | ${m.format(m.direct)} | ${m.format(m.indirect)} | ${Number.isFinite(m.ratio) ? `${m.ratio.toFixed(2)}×` : '–'} |`,
    );

  console.log('\nPer round:');
  console.log(
    '| round | path | fixed: delivered | msgs/s | p50 ms | p99 ms | max ms | answer p50 / p99 ms | pacer lag max ms | burst: delivered | msgs/s | accepted msgs/s | p50 ms | p99 ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (let round = 1; round <= opts.rounds; round++) {
    for (const which of ['direct', 'indirect'] as const) {
      const f = results.find((r) => r.round === round && r.path === which && r.kind === 'fixed');
      const b = results.find((r) => r.round === round && r.path === which && r.kind === 'burst');
      if (!f || !b) continue;
      console.log(
        `| ${round} | ${which} | ${n(f.delivered)} | ${n(f.deliveredPerSecond)} | ${ms(f.latencyMs.p50)} | ${ms(f.latencyMs.p99)} | ${ms(f.latencyMs.max)} | ${ms(f.answerMs.p50)} / ${ms(f.answerMs.p99)} | ${ms(f.senderMaxLagMs ?? NaN)} | ${n(b.delivered)} | ${n(b.deliveredPerSecond)} | ${n(b.acceptedPerSecond)} | ${ms(b.latencyMs.p50)} | ${ms(b.latencyMs.p99)} |`,
      );
    }
  }
  const cpuNames = Object.keys(results[0]?.cpuSeconds ?? {});
  console.log('\nBurst CPU per process, µs per delivered message (CPU seconds over the phase / its length = share of one core):');
  console.log(`| round | path | ${cpuNames.join(' | ')} |`);
  console.log(`|---|---|${cpuNames.map(() => '---|').join('')}`);
  for (const r of results.filter((x) => x.kind === 'burst'))
    console.log(
      `| ${r.round} | ${r.path} | ${cpuNames.map((k) => `${n((r.cpuSeconds![k]! * 1e6) / Math.max(1, r.delivered))} (${(r.cpuSeconds![k]! / r.seconds).toFixed(2)})`).join(' | ')} |`,
    );
  const duplicates = results.reduce((s, r) => s + r.duplicates, 0);
  const misrouted = results.reduce((s, r) => s + r.misrouted, 0);
  console.log(
    `\nduplicates ${duplicates}, at the wrong device ${misrouted}, frames outside their phase ${strays}, device connections closed ${info.closedDuringRun}`,
  );

  if (opts.json) {
    const json = {
      bench: 'push-paths',
      options: { ...opts, ttlSeconds: TTL_SECONDS, burstChunk: BURST_CHUNK, burstInFlight: BURST_IN_FLIGHT },
      machine: {
        cores: os.cpus().length,
        cpuModel: os.cpus()[0]?.model.trim(),
        memoryBytes: os.totalmem(),
        loadBefore: info.loadBefore,
        loadAfter: os.loadavg()[0],
      },
      git: info.git,
      infra: info.reused,
      runtimeSeconds: info.runtimeSeconds,
      medians: medians.map(({ figure, direct, indirect, ratio }) => ({ figure, direct, indirect, ratio })),
      rounds: results,
      strays,
      closedDuringRun: info.closedDuringRun,
    };
    writeFileSync(opts.json, JSON.stringify(json, null, 2) + '\n');
    log(`wrote ${opts.json}`);
  }
}

const n = (x: number) => (Number.isNaN(x) ? '–' : Math.round(x).toLocaleString('en-US'));
const ms = (x: number) => (Number.isNaN(x) ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(1));

bench.run(main);
