/**
 * Device-to-device latency across two edges: a phone on edge 1 sends `d2d.send`, edge 1 relays it
 * over its edge link (a WebSocket, GET /v1/link) to edge 2, which writes `d2d.message` to the TV, and edge 1 answers the phone
 * `d2d.result`. Measured on one cluster (tools/cluster's startCluster: registry and device list on
 * DynamoDB Local, two edges, message processor on Kafka; each its own process, on free ports). What
 * is not on this path is kept quiet: the processor is stopped once the cluster is up (on a shared
 * broker it would deliver what other runs enqueue, looking their devices up in this registry), and
 * the edges publish no connection events (each run would add 4 per pair to the shared topic).
 *
 *   npm run bench:d2d -- [--pairs 50] [--rate 1000] [--seconds 10] [--rounds 3] [--step-seconds 3]
 *                        [--search-seconds 150] [--p99-bound-ms 10] [--json FILE] [--profile DIR]
 *
 * `--pairs` phones (edge 1) and TVs (edge 2), one account per pair, are raw WebSocket clients in this
 * process, so sender and receiver share one clock (process.hrtime): t0 just before the phone's frame
 * is written to its socket, t1 when the TV has read the d2d.message frame — one way, "phone frame in
 * → TV frame out", with the client-side socket and frame costs included — and t2 when the phone has
 * read its d2d.result (the round trip). Messages go round-robin over the pairs, open loop (message i
 * is due at start + i/rate whatever became of the earlier ones). The edges run with the per-connection
 * frame and d2d rate limits raised (the defaults, 50 frames/s and 20 d2d.send/s per connection, would
 * refuse most of 1,000 msg/s over 50 pairs).
 *
 * Phases: a warm-up (discarded; it also fills edge 1's route cache); `--rounds` fixed-rate phases of
 * `--rate` msg/s for `--seconds` (the table gives their medians); then a search for the highest
 * sustainable rate: 1k, 2k, 4k … msg/s for `--step-seconds` each, then halving the gap between the
 * last rate that passed and the first that failed, while `--search-seconds` last. A rate passes when
 * ≥ 99% of the messages reached their TV, the one-way p99 stayed ≤ `--p99-bound-ms`, and this process
 * did offer the rate (≥ 95% of it); a step that failed on its p99 alone is tried once more (one stall
 * of a shared machine can decide a short step), and the second try decides.
 *
 * Kafka and DynamoDB Local: those of `npm run infra:up` when `infra status` says they run (the bench
 * uses tables and consumer groups of its own, tables dropped at the end), else started for this run
 * and stopped at the end. Loopback only; stops everything it started, also on failure and SIGINT.
 */
import type net from 'node:net';
import os from 'node:os';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintDeviceToken } from '@pushwire/auth';
import { startCluster, type Cluster } from '@pushwire/cluster';
import { maskedTextFrame, openRawWebSocket } from '@pushwire/loadgen';
import { Topics } from '@pushwire/protocol';
import { BenchFailure, BenchRun, intOption, parseBenchArgs } from './bench-run';
import { benchInfra, cpuSeconds, dropTablesAtCleanup, freeClusterPorts, gitCommit, skipHistory } from './cluster-bench';
import { paceAtRate } from './rate-pacer';
import { BENCH_JWT_SECRET as JWT_SECRET, BENCH_EDGE_TOKEN, BENCH_SERVICE_TOKEN as SERVICE_TOKEN, toStderr } from './service-process';
import { median, percentile } from './stats';

const USAGE = `Usage: npm run bench:d2d -- [options]

Device-to-device latency across two edges (phone on edge 1 → edge 1 → edge link → edge 2 →
TV), one way (phone frame written → TV frame read) and round trip (→ d2d.result read), p50 / p99 /
p99.9 / max at a fixed rate, over rounds, then the highest sustainable rate. On one cluster
(registry and device list on DynamoDB Local, two edges, message processor on Kafka). Loopback only.

Options:
  --pairs N           phone (edge 1) + TV (edge 2) pairs, one account each (default 50; 1 to 5000)
  --rate N            messages per second in the fixed-rate rounds (default 1000; 1 to 100000)
  --seconds N         length of each fixed-rate round (default 10; 1 to 120)
  --rounds N          fixed-rate rounds; the table gives their medians (default 3; 1 to 10)
  --step-seconds N    length of each step of the max-rate search (default 3; 1 to 30)
  --search-seconds N  time the max-rate search may take in all (default 150; 0 skips it)
  --p99-bound-ms N    a search step fails when the one-way p99 exceeds this (default 10)
  --json FILE         also write the results as JSON to FILE
  --profile DIR       sample the edges' CPU (inspector), .cpuprofile files written to DIR when they stop
  -h, --help          print this text

Kafka and DynamoDB Local: those of \`npm run infra:up\` when \`infra:status\` says they run, else
started for this run (Java 17+) and stopped at the end.`;

/** Per-connection frames/s and d2d.send/s the edges allow in this bench (defaults 50 and 20). */
const BENCH_RATE_LIMIT = 1_000_000;
const WARMUP_SECONDS = 3;
/** How long a phase waits for the last answers and arrivals after its last send. */
const DRAIN_MS = 5000;
const PAUSE_MS = 500;
/** Search steps: latencies of messages sent in the first this many ms of a step are not counted (the new rate settling). */
const STEP_SETTLE_MS = 500;
const SEARCH_START_RATE = 1000;
const MAX_SEARCH_RATE = 256_000;
const DELIVERED_FRACTION = 0.99;
const OFFERED_FRACTION = 0.95;
/** A message slower than this (one way) counts as slow; slow messages sent within SLOW_EPISODE_GAP_MS of each other make one episode (a stall). */
const SLOW_MS = 10;
const SLOW_EPISODE_GAP_MS = 100;
const TARGETS = { ours: { p50: 0.5, p99: 2 }, pushy: { p50: 1, p99: 4 } } as const;

const bench = new BenchRun('bench:d2d', USAGE);
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const nowNs = () => Number(process.hrtime.bigint());

interface Options {
  pairs: number;
  rate: number;
  seconds: number;
  rounds: number;
  stepSeconds: number;
  searchSeconds: number;
  p99BoundMs: number;
  json?: string;
  profile?: string;
}

/** The options, or undefined when `--help` asked for the usage text. */
function parseOptions(args: string[]): Options | undefined {
  const values = parseBenchArgs(args, {
    pairs: '50',
    rate: '1000',
    seconds: '10',
    rounds: '3',
    'step-seconds': '3',
    'search-seconds': '150',
    'p99-bound-ms': '10',
    json: undefined,
    profile: undefined,
  });
  if (!values) return undefined;
  return {
    pairs: intOption('pairs', values.pairs, 1, 5000),
    rate: intOption('rate', values.rate, 1, 100_000),
    seconds: intOption('seconds', values.seconds, 1, 120),
    rounds: intOption('rounds', values.rounds, 1, 10),
    stepSeconds: intOption('step-seconds', values['step-seconds'], 1, 30),
    searchSeconds: intOption('search-seconds', values['search-seconds'], 0, 1800),
    p99BoundMs: intOption('p99-bound-ms', values['p99-bound-ms'], 1, 10_000),
    ...(values.json ? { json: values.json } : {}),
    ...(values.profile ? { profile: path.resolve(values.profile) } : {}),
  };
}

/** One phone → TV pair: the phone's socket (edge 1) and the TV's id (edge 2). */
interface Pair {
  phone: net.Socket;
  /** The pair's own account: its phone and TV are devices of it. */
  accountId: string;
  phoneId: string;
  tvId: string;
  /** The connection id the TV was welcomed with, once it was. */
  tvConnectionId: () => string | undefined;
}

/** What one phase's messages did: per message, when it was written, reached its TV, was answered (ns; NaN: not yet). */
class Phase {
  readonly sentAt: Float64Array;
  readonly arrivedAt: Float64Array;
  readonly answeredAt: Float64Array;
  readonly statuses: Record<string, number> = {};
  sent = 0;
  arrived = 0;
  answered = 0;
  duplicates = 0;
  misrouted = 0;
  /** Frames of this phase that came after it was evaluated. */
  late = 0;
  closed = false;

  constructor(
    readonly id: number,
    readonly total: number,
  ) {
    this.sentAt = new Float64Array(total).fill(NaN);
    this.arrivedAt = new Float64Array(total).fill(NaN);
    this.answeredAt = new Float64Array(total).fill(NaN);
  }

  arrive(n: number, pair: number, pairs: number, at: number): void {
    if (this.closed) this.late++;
    if (!(n >= 0 && n < this.total)) return;
    if (n % pairs !== pair) this.misrouted++;
    if (!Number.isNaN(this.arrivedAt[n]!)) {
      this.duplicates++;
      return;
    }
    this.arrivedAt[n] = at;
    this.arrived++;
  }

  answer(n: number, status: string, at: number): void {
    if (this.closed) this.late++;
    if (!(n >= 0 && n < this.total)) return;
    if (!Number.isNaN(this.answeredAt[n]!)) {
      this.duplicates++;
      return;
    }
    this.answeredAt[n] = at;
    this.answered++;
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
  }
}

interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Samples. */
  n: number;
}

/** What one phase (a fixed-rate round, a search step) measured. */
interface PhaseResult {
  rate: number;
  /** Messages offered (written to the phones' sockets). */
  sent: number;
  /** Messages that reached their TV (d2d.message read). */
  delivered: number;
  /** d2d.result answers read, by status. */
  statuses: Record<string, number>;
  /** Neither answered nor arrived by the end of the drain. */
  lost: number;
  duplicates: number;
  misrouted: number;
  /** sent / (first send → last send). */
  offeredPerSecond: number;
  /** The most a message was written after its due time (the pacer falling behind). */
  pacerMaxLagMs: number;
  oneWayMs: Percentiles;
  roundTripMs: Percentiles;
  /** CPU during the phase, in % of one core. */
  cpu: { bench: number; edge1: number; edge2: number; registry: number };
  /** Device ids the registry looked up during the phase (the route cache should make it ~0). */
  registryLookups: number;
  /** One-way latencies over SLOW_MS: how many messages, in how many episodes (sent within 100 ms of each other), the longest episode. */
  slow: { messages: number; episodes: number; longestEpisodeMs: number };
  /** Means from the edges' histograms: edge 1 from d2d.send in to d2d.result out, edge 2 answering the link request. */
  edgeMeanMs: { d2dAtEdge1: number; deliverAtEdge2: number };
}

interface SearchStep extends PhaseResult {
  passed: boolean;
  why: string;
}

let phaseIds = 0;
const phases = new Map<number, Phase>();
let strays = 0;
let closedDuringRun = 0;
const errorFrames: Record<string, number> = {};

/** A phone (edge 1) or TV (edge 2) of pair `index`: raw WebSocket, frames routed to their phase. */
async function connect(
  kind: 'phone' | 'tv',
  index: number,
  pairs: number,
  deviceId: string,
  accountId: string,
  port: number,
  onWelcome: (connectionId: string) => void,
): Promise<net.Socket> {
  const token = await mintDeviceToken({ secret: JWT_SECRET, accountId, deviceId, deviceType: kind, ttlSeconds: 6 * 3600 });
  const socket = await openRawWebSocket({
    port,
    path: `/v1/connect?token=${token}`,
    localAddress: '127.0.0.1',
    onText: (text) => {
      const at = nowNs();
      let frame: {
        type?: string;
        reqId?: string;
        status?: string;
        code?: string;
        connectionId?: string;
        payload?: { p?: number; n?: number };
      };
      try {
        frame = JSON.parse(text);
      } catch {
        strays++;
        return;
      }
      if (kind === 'tv' && frame.type === 'd2d.message') {
        const phase = phases.get(frame.payload?.p ?? -1);
        if (phase) phase.arrive(frame.payload?.n ?? -1, index, pairs, at);
        else strays++;
      } else if (kind === 'phone' && frame.type === 'd2d.result' && frame.reqId) {
        const dot = frame.reqId.indexOf('.');
        const phase = phases.get(Number(frame.reqId.slice(0, dot)));
        if (phase) phase.answer(Number(frame.reqId.slice(dot + 1)), frame.status ?? '?', at);
        else strays++;
      } else if (frame.type === 'welcome' && frame.connectionId) {
        onWelcome(frame.connectionId);
      } else if (frame.type === 'error') {
        errorFrames[frame.code ?? '?'] = (errorFrames[frame.code ?? '?'] ?? 0) + 1;
      }
    },
  });
  // Small frames one by one: Nagle's algorithm would hold them back behind unacknowledged ones.
  socket.setNoDelay(true);
  socket.once('close', () => void closedDuringRun++);
  return socket;
}

/** Until the registry resolves every TV to the connection it was welcomed on, so the first sends are not `not_connected`. */
async function waitForRegistrations(cluster: Cluster, pairs: Pair[]): Promise<void> {
  const deadline = performance.now() + 30_000;
  let pending = pairs;
  for (;;) {
    const checks = await Promise.all(
      pending.map(async (p) => {
        const res = await fetch(`${cluster.registryUrl}/v1/accounts/${p.accountId}/registrations/${p.tvId}`, {
          headers: { authorization: `Bearer ${cluster.serviceToken}` },
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await res.json()) as { connectionId?: string };
        return res.status === 200 && p.tvConnectionId() !== undefined && body.connectionId === p.tvConnectionId();
      }),
    );
    pending = pending.filter((_, i) => !checks[i]);
    if (pending.length === 0) return;
    if (performance.now() > deadline || bench.interrupted)
      throw new BenchFailure(`${pending.length} of ${pairs.length} TVs were still not registered after 30 s, e.g. ${pending[0]!.tvId}`);
    await sleep(200);
  }
}

/** The sum over every series of a metric (counter, or a histogram's `_sum` / `_count`) in a service's /metrics. */
async function metricSum(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The figures a phase reads from the services before and after it. */
async function serviceCounters(cluster: Cluster) {
  const [edge1, edge2] = cluster.edges;
  const [lookups, d2dSum, d2dCount, deliverSum, deliverCount] = await Promise.all([
    metricSum(cluster.registryUrl, 'pushwire_registry_lookup_devices_total'),
    metricSum(edge1!.internalUrl, 'pushwire_edge_d2d_seconds_sum'),
    metricSum(edge1!.internalUrl, 'pushwire_edge_d2d_seconds_count'),
    metricSum(edge2!.internalUrl, 'pushwire_edge_link_request_seconds_sum'),
    metricSum(edge2!.internalUrl, 'pushwire_edge_link_request_seconds_count'),
  ]);
  const cpu = {
    bench: (() => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    })(),
    edge1: cpuSeconds(edge1!.process.pid ?? -1),
    edge2: cpuSeconds(edge2!.process.pid ?? -1),
    registry: cpuSeconds(cluster.registry.pid ?? -1),
  };
  return { lookups, d2dSum, d2dCount, deliverSum, deliverCount, cpu, at: performance.now() };
}

/** Sorted latencies in ms (`to` − `sentAt`) of the messages from `first` on that got there. */
function latencies(phase: Phase, to: Float64Array, first: number): Percentiles {
  const values: number[] = [];
  for (let n = first; n < phase.total; n++) {
    const d = to[n]! - phase.sentAt[n]!;
    if (!Number.isNaN(d)) values.push(d / 1e6);
  }
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    n: sorted.length,
  };
}

/** The slow messages of a phase (from `first` on) and the episodes they come in: a few long stalls or a steady trickle. */
function slowEpisodes(phase: Phase, first: number): PhaseResult['slow'] {
  let messages = 0;
  let episodes = 0;
  let longestEpisodeMs = 0;
  let episodeStart = NaN;
  let lastSlow = -Infinity;
  for (let n = first; n < phase.total; n++) {
    const sent = phase.sentAt[n]!;
    const d = (phase.arrivedAt[n]! - sent) / 1e6;
    if (!(d > SLOW_MS)) continue;
    messages++;
    if ((sent - lastSlow) / 1e6 > SLOW_EPISODE_GAP_MS) {
      episodes++;
      episodeStart = sent;
    }
    lastSlow = sent;
    longestEpisodeMs = Math.max(longestEpisodeMs, (sent - episodeStart) / 1e6 + d);
  }
  return { messages, episodes, longestEpisodeMs };
}

/**
 * One phase: `rate` msg/s for `seconds`, open loop over the pairs, then a drain until every message
 * was answered and every delivered one arrived (or DRAIN_MS passed). Latencies of messages sent in
 * the first `settleMs` are not counted.
 */
async function runPhase(cluster: Cluster, pairs: Pair[], rate: number, seconds: number, settleMs = 0): Promise<PhaseResult> {
  const phase = new Phase(++phaseIds, Math.max(1, Math.round(rate * seconds)));
  phases.set(phase.id, phase);
  const send = (n: number) => {
    const pair = pairs[n % pairs.length]!;
    const frame = maskedTextFrame(
      `{"type":"d2d.send","reqId":"${phase.id}.${n}","to":"${pair.tvId}","payload":{"p":${phase.id},"n":${n}}}`,
    );
    phase.sentAt[n] = nowNs();
    pair.phone.write(frame);
    phase.sent++;
  };
  const before = await serviceCounters(cluster);
  const pace = await paceAtRate({
    rate,
    total: phase.total,
    emit: (first, count) => {
      for (let n = first; n < first + count; n++) send(n);
    },
    stop: () => bench.interrupted !== undefined,
  });
  const deadline = performance.now() + DRAIN_MS;
  while (
    (phase.answered < phase.sent || phase.arrived < (phase.statuses.delivered ?? 0)) &&
    performance.now() < deadline &&
    !bench.interrupted
  )
    await sleep(5);
  const after = await serviceCounters(cluster);
  phase.closed = true;
  const wallSeconds = (after.at - before.at) / 1000;
  const busy = (k: keyof typeof before.cpu) => ((after.cpu[k] - before.cpu[k]) / wallSeconds) * 100;
  let lost = 0;
  for (let n = 0; n < phase.sent; n++) if (Number.isNaN(phase.answeredAt[n]!) && Number.isNaN(phase.arrivedAt[n]!)) lost++;
  const first = Math.min(phase.sent, Math.round((rate * settleMs) / 1000));
  return {
    rate,
    sent: phase.sent,
    delivered: phase.arrived,
    statuses: { ...phase.statuses },
    lost,
    duplicates: phase.duplicates,
    misrouted: phase.misrouted,
    offeredPerSecond: pace.seconds > 0 ? (phase.sent - 1) / pace.seconds : phase.sent,
    pacerMaxLagMs: pace.maxLagMs,
    oneWayMs: latencies(phase, phase.arrivedAt, first),
    roundTripMs: latencies(phase, phase.answeredAt, first),
    slow: slowEpisodes(phase, first),
    cpu: { bench: busy('bench'), edge1: busy('edge1'), edge2: busy('edge2'), registry: busy('registry') },
    registryLookups: after.lookups - before.lookups,
    edgeMeanMs: {
      d2dAtEdge1: ((after.d2dSum - before.d2dSum) / (after.d2dCount - before.d2dCount)) * 1000,
      deliverAtEdge2: ((after.deliverSum - before.deliverSum) / (after.deliverCount - before.deliverCount)) * 1000,
    },
  };
}

const notDelivered = (r: PhaseResult) => Object.entries(r.statuses).filter(([s]) => s !== 'delivered');
const statusText = (r: PhaseResult) =>
  notDelivered(r)
    .map(([s, c]) => `${s} ${n(c)}`)
    .join(', ') || 'none';
const summary = (r: PhaseResult) =>
  `${n(r.delivered)} of ${n(r.sent)} at the TVs (offered ${n(r.offeredPerSecond)}/s), one way p50 ${ms(r.oneWayMs.p50)} p99 ${ms(r.oneWayMs.p99)} p99.9 ${ms(r.oneWayMs.p999)} max ${ms(r.oneWayMs.max)} ms, ` +
  `round trip p50 ${ms(r.roundTripMs.p50)} p99 ${ms(r.roundTripMs.p99)} ms; not delivered: ${statusText(r)}; CPU bench ${pct(r.cpu.bench)} edge-1 ${pct(r.cpu.edge1)} edge-2 ${pct(r.cpu.edge2)}; registry lookups ${r.registryLookups}`;

/** Whether a search step sustained its rate, and if not why. */
function judge(r: PhaseResult, opts: Options): { passed: boolean; why: string } {
  const why = [
    r.delivered < DELIVERED_FRACTION * r.sent && `${((r.delivered / r.sent) * 100).toFixed(1)}% delivered`,
    !(r.oneWayMs.p99 <= opts.p99BoundMs) && `p99 ${ms(r.oneWayMs.p99)} ms > ${opts.p99BoundMs} ms`,
    r.offeredPerSecond < OFFERED_FRACTION * r.rate && `the bench offered only ${n(r.offeredPerSecond)}/s`,
  ]
    .filter(Boolean)
    .join(', ');
  return { passed: why === '', why: why || 'ok' };
}

/**
 * The highest rate that passes: doubling from SEARCH_START_RATE until a step fails, then halving the
 * gap between the last pass and the first failure (down to 10% of the rate), while the time lasts.
 */
async function searchMaxRate(
  cluster: Cluster,
  pairs: Pair[],
  opts: Options,
): Promise<{ steps: SearchStep[]; maxRate?: number; firstFailure?: number; stoppedBy: string }> {
  const steps: SearchStep[] = [];
  const end = performance.now() + opts.searchSeconds * 1000;
  let pass: number | undefined;
  let fail: number | undefined;
  let rate = SEARCH_START_RATE;
  for (;;) {
    if (bench.interrupted) return { steps, maxRate: pass, firstFailure: fail, stoppedBy: bench.interrupted };
    if (performance.now() + opts.stepSeconds * 1000 + 2 * PAUSE_MS > end)
      return { steps, maxRate: pass, firstFailure: fail, stoppedBy: 'time budget' };
    log(`search: ${n(rate)} msg/s for ${opts.stepSeconds} s…`);
    let r = await runPhase(cluster, pairs, rate, opts.stepSeconds, STEP_SETTLE_MS);
    let step = { ...r, ...judge(r, opts) };
    steps.push(step);
    log(`  ${step.passed ? 'passed' : `failed (${step.why})`}: ${summary(r)}`);
    // On a shared machine one stall can push a short step's p99 over the bound: a step that failed on
    // its p99 alone is tried once more, and the second try decides.
    if (
      !step.passed &&
      r.delivered >= DELIVERED_FRACTION * r.sent &&
      r.offeredPerSecond >= OFFERED_FRACTION * r.rate &&
      performance.now() + opts.stepSeconds * 1000 + 2 * PAUSE_MS <= end
    ) {
      await quiet();
      log(`search: ${n(rate)} msg/s once more (only the p99 failed)…`);
      r = await runPhase(cluster, pairs, rate, opts.stepSeconds, STEP_SETTLE_MS);
      step = { ...r, ...judge(r, opts) };
      steps.push(step);
      log(`  ${step.passed ? 'passed' : `failed (${step.why})`}: ${summary(r)}`);
    }
    if (step.passed) pass = Math.max(pass ?? 0, rate);
    else fail = Math.min(fail ?? Infinity, rate);
    if (fail === undefined) {
      if (rate >= MAX_SEARCH_RATE) return { steps, maxRate: pass, stoppedBy: `reached ${n(MAX_SEARCH_RATE)} msg/s` };
      rate = Math.min(MAX_SEARCH_RATE, rate * 2);
    } else if (pass === undefined) {
      if (rate <= 125) return { steps, firstFailure: fail, stoppedBy: 'even the lowest rate failed' };
      rate = Math.round(rate / 2);
    } else {
      if (fail - pass <= Math.max(100, pass * 0.1)) return { steps, maxRate: pass, firstFailure: fail, stoppedBy: 'converged' };
      rate = Math.round((pass + fail) / 2 / 100) * 100;
    }
    await quiet();
  }
}

/** After a step, until no frame of any phase has been outstanding for a moment (a failed step may leave a backlog), at most 10 s. */
async function quiet(): Promise<void> {
  const deadline = performance.now() + 10_000;
  const outstanding = () => [...phases.values()].reduce((sum, p) => sum + (p.sent - p.answered), 0);
  let last = outstanding();
  await sleep(PAUSE_MS);
  while (performance.now() < deadline && !bench.interrupted) {
    const now = outstanding();
    if (now === last) return;
    last = now;
    await sleep(PAUSE_MS);
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) {
    console.log(USAGE);
    return;
  }
  const t0 = performance.now();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const loadBefore = os.loadavg()[0]!;
  const run = randomUUID().slice(0, 8);

  const infra = await benchInfra(bench, log);
  const tables = { registry: `pushwire-bench-d2d-${run}`, deviceList: `pushwire-bench-d2d-devices-${run}` };
  if (infra.reused.dynamodb) dropTablesAtCleanup(bench, infra.dynamodbEndpoint, Object.values(tables));
  // Groups of their own that start after what is on the shared topics: no replay during the measurements.
  const groups = { processor: `pushwire-bench-d2d-${run}`, deviceList: `pushwire-bench-d2d-devices-${run}` };
  const skipped =
    (await skipHistory(infra.kafkaBrokers, groups.processor, Object.values(Topics.pushRequests))) +
    (await skipHistory(infra.kafkaBrokers, groups.deviceList, [Topics.deviceConnections]));
  if (skipped) log(`the run's consumer groups start after the ${n(skipped)} records already on the shared topics`);

  const limits = { PUSHWIRE_DEVICE_FRAMES_PER_SECOND: String(BENCH_RATE_LIMIT), PUSHWIRE_D2D_PER_SECOND: String(BENCH_RATE_LIMIT) };
  log(
    `starting the cluster (registry and device list on DynamoDB, two edges with ${Object.entries(limits)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} and no connection events, message processor on Kafka)…`,
  );
  const quietLogs = { PUSHWIRE_LOG_LEVEL: 'warn' };
  const cluster = await startCluster({
    dynamodbEndpoint: infra.dynamodbEndpoint,
    kafkaBrokers: infra.kafkaBrokers,
    ports: await freeClusterPorts(),
    table: tables.registry,
    deviceListTable: tables.deviceList,
    senderTokens: SERVICE_TOKEN,
    edgeTokens: BENCH_EDGE_TOKEN,
    jwtSecret: JWT_SECRET,
    edgeEnv: {
      ...quietLogs,
      ...limits,
      PUSHWIRE_EDGE_DRAIN_SECONDS: '0',
      // No connection events: the device list is not on this path, and on a shared broker every run
      // would leave 4 events per pair on the topic that each new device-list consumer group replays.
      KAFKA_BROKERS: '',
      ...(opts.profile
        ? {
            NODE_OPTIONS:
              `${process.env.NODE_OPTIONS ?? ''} --require ${require.resolve('tsx/cjs')} --require ${path.join(__dirname, 'cpu-profile-preload.ts')}`.trim(),
            PUSHWIRE_BENCH_PROFILE_DIR: opts.profile,
            PUSHWIRE_BENCH_PROFILE_NAME: 'edge',
          }
        : {}),
    },
    registryEnv: quietLogs,
    deviceListEnv: { ...quietLogs, PUSHWIRE_DEVICE_LIST_GROUP_ID: groups.deviceList },
    processorEnv: { ...quietLogs, PUSHWIRE_PROCESSOR_GROUP_ID: groups.processor },
    output: toStderr,
  });
  bench.onCleanup(() => cluster.stop());
  // Not on the device-to-device path, and its consumer would deliver what other runs enqueue on the
  // shared request topics (through this cluster's registry) while we measure: stopped.
  await cluster.processor.stop('SIGTERM');
  if (opts.profile)
    log(
      `edge CPU profiles go to ${opts.profile} when the edges stop: ${cluster.edges.map((e) => `${e.id} edge-${e.process.pid}.cpuprofile`).join(', ')}`,
    );
  if (bench.interrupted) return;

  log(`connecting ${opts.pairs} pairs: phones on edge-1, TVs on edge-2, one account per pair…`);
  const [phonePort, tvPort] = cluster.edges.map((e) => Number(new URL(e.deviceUrl).port));
  const pairs: Pair[] = [];
  const sockets: net.Socket[] = [];
  bench.onCleanup(async () => sockets.forEach((s) => s.destroy()));
  for (let i = 0; i < opts.pairs; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, opts.pairs - i) }, async (_, j) => {
        const index = i + j;
        const account = `bench-d2d-${run}-${index}`;
        const ids = { phone: `bench-phone-${run}-${index}`, tv: `bench-tv-${run}-${index}` };
        const welcomed: { tv?: string } = {};
        const tv = await connect('tv', index, opts.pairs, ids.tv, account, tvPort!, (connectionId) => (welcomed.tv = connectionId));
        const phone = await connect('phone', index, opts.pairs, ids.phone, account, phonePort!, () => undefined);
        sockets.push(tv, phone);
        pairs[index] = { phone, accountId: account, phoneId: ids.phone, tvId: ids.tv, tvConnectionId: () => welcomed.tv };
      }),
    );
  }
  await waitForRegistrations(cluster, pairs);
  const closedBefore = closedDuringRun;

  log(`warm-up: ${n(opts.rate)} msg/s for ${WARMUP_SECONDS} s (discarded)…`);
  const warm = await runPhase(cluster, pairs, opts.rate, WARMUP_SECONDS);
  log(`  ${summary(warm)}`);
  await sleep(PAUSE_MS);

  const rounds: PhaseResult[] = [];
  for (let round = 1; round <= opts.rounds && !bench.interrupted; round++) {
    log(`round ${round}/${opts.rounds}: ${n(opts.rate)} msg/s for ${opts.seconds} s…`);
    const r = await runPhase(cluster, pairs, opts.rate, opts.seconds);
    rounds.push(r);
    log(`  ${summary(r)}`);
    await sleep(PAUSE_MS);
  }
  if (bench.interrupted) return;
  const search = opts.searchSeconds > 0 ? await searchMaxRate(cluster, pairs, opts) : undefined;
  if (bench.interrupted) return;
  for (const phase of phases.values()) phase.closed = true;

  const runtimeSeconds = (performance.now() - t0) / 1000;
  report(opts, rounds, search, {
    loadBefore,
    runtimeSeconds,
    reused: infra.reused,
    git: await gitCommit(),
    closed: closedDuringRun - closedBefore,
  });

  const short = rounds.filter((r) => r.lost > 0 || r.misrouted > 0 || (r.statuses.delivered ?? 0) > r.delivered);
  if (short.length || closedDuringRun > closedBefore) {
    throw new BenchFailure(
      `${short.map((r, i) => `round ${i + 1}: ${r.lost} lost, ${(r.statuses.delivered ?? 0) - r.delivered} answered delivered but not at the TV, ${r.misrouted} at the wrong TV`).join('; ')}${closedDuringRun > closedBefore ? `; ${closedDuringRun - closedBefore} device connections closed during the run` : ''}`,
    );
  }
}

interface RunInfo {
  loadBefore: number;
  runtimeSeconds: number;
  reused: { kafka: boolean; dynamodb: boolean };
  git: { commit: string; dirty: boolean };
  closed: number;
}

/** Prints the tables (stdout) and writes the JSON file when asked. */
function report(opts: Options, rounds: PhaseResult[], search: Awaited<ReturnType<typeof searchMaxRate>> | undefined, info: RunInfo): void {
  const med = (f: (r: PhaseResult) => number) => median(rounds.map(f));
  const p50 = med((r) => r.oneWayMs.p50);
  const p99 = med((r) => r.oneWayMs.p99);
  const met = (value: number, bound: number) => (value < bound ? 'yes' : 'no');
  const gib = (b: number) => (b / 1024 ** 3).toFixed(1);
  const infra = info.reused.kafka && info.reused.dynamodb ? 'reused (infra:up)' : 'started for this run';
  const fixed = `${n(opts.rate)} msg/s × ${opts.seconds} s`;
  const sent = rounds.reduce((s, r) => s + r.sent, 0);
  const delivered = rounds.reduce((s, r) => s + r.delivered, 0);
  const refused: Record<string, number> = {};
  for (const r of rounds) for (const [s, c] of notDelivered(r)) refused[s] = (refused[s] ?? 0) + c;

  console.log(
    `\nDevice to device across two edges: phone (edge-1) → edge-1 → edge link → edge-2 → TV; ${n(opts.pairs)} pairs, one account each, messages round-robin over the pairs, open loop; medians of ${rounds.length} round(s) of ${fixed} after a ${WARMUP_SECONDS} s warm-up (discarded)`,
  );
  console.log(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), ${gib(os.totalmem())} GiB; load average ${info.loadBefore.toFixed(2)} before, ${os.loadavg()[0]!.toFixed(2)} after; commit ${info.git.commit.slice(0, 12)}${info.git.dirty ? ' + uncommitted changes in the tree' : ''}; ${info.runtimeSeconds.toFixed(0)} s in all`,
  );
  console.log(
    `cluster: registry and device list on DynamoDB Local, two edges, Kafka and DynamoDB Local ${infra}; off this path, so quiet: the edges publish no connection events, and the message processor is stopped once started (it would consume other runs' pushes); the edges run with PUSHWIRE_DEVICE_FRAMES_PER_SECOND and PUSHWIRE_D2D_PER_SECOND raised to ${n(BENCH_RATE_LIMIT)} per connection for the bench (defaults 50 and 20)`,
  );
  console.log(
    "one way = t0 just before the phone's frame is written to its socket → t1 the TV has read the d2d.message (process.hrtime, one process and clock; the client-side socket and frame costs are included); round trip = t0 → the phone has read its d2d.result",
  );
  console.log('');
  console.log(`| ${fixed}, median of ${rounds.length} | p50 | p99 | p99.9 | max |`);
  console.log('|---|---|---|---|---|');
  console.log(
    `| one way, phone frame in → TV frame out (ms) | ${ms(p50)} | ${ms(p99)} | ${ms(med((r) => r.oneWayMs.p999))} | ${ms(med((r) => r.oneWayMs.max))} |`,
  );
  console.log(
    `| round trip to d2d.result (ms) | ${ms(med((r) => r.roundTripMs.p50))} | ${ms(med((r) => r.roundTripMs.p99))} | ${ms(med((r) => r.roundTripMs.p999))} | ${ms(med((r) => r.roundTripMs.max))} |`,
  );
  console.log('');
  console.log('| target | measured | met |');
  console.log('|---|---|---|');
  console.log(`| ours: median < ${TARGETS.ours.p50} ms | ${ms(p50)} ms | ${met(p50, TARGETS.ours.p50)} |`);
  console.log(`| ours: p99 < ${TARGETS.ours.p99} ms | ${ms(p99)} ms | ${met(p99, TARGETS.ours.p99)} |`);
  console.log(`| Pushy (Netflix, published): median < ${TARGETS.pushy.p50} ms | ${ms(p50)} ms | ${met(p50, TARGETS.pushy.p50)} |`);
  console.log(`| Pushy (Netflix, published): p99 < ${TARGETS.pushy.p99} ms | ${ms(p99)} ms | ${met(p99, TARGETS.pushy.p99)} |`);
  console.log('');
  const searchText = !search
    ? 'not searched (--search-seconds 0)'
    : search.maxRate !== undefined
      ? `${n(search.maxRate)} msg/s${search.firstFailure !== undefined ? ` (${n(search.firstFailure)} msg/s failed)` : ''}; search ${search.stoppedBy}`
      : `none passed (${search.stoppedBy})`;
  console.log(
    `counts over the rounds: ${n(sent)} sent, ${n(delivered)} at the TVs, not delivered: ${
      Object.entries(refused)
        .map(([s, c]) => `${s} ${n(c)}`)
        .join(', ') || 'none'
    }; lost ${n(rounds.reduce((s, r) => s + r.lost, 0))}, duplicates ${n(rounds.reduce((s, r) => s + r.duplicates, 0))}, at the wrong TV ${n(rounds.reduce((s, r) => s + r.misrouted, 0))}; frames outside their phase ${strays}, after their phase was evaluated ${[...phases.values()].reduce((sum, p) => sum + p.late, 0)}; error frames ${JSON.stringify(errorFrames)}; device connections closed ${info.closed}`,
  );
  console.log(
    `max sustainable rate (≥ ${DELIVERED_FRACTION * 100}% at the TVs, one-way p99 ≤ ${opts.p99BoundMs} ms, ${opts.stepSeconds} s steps, first ${STEP_SETTLE_MS} ms of a step not counted in latency, a step failing on p99 alone tried twice): ${searchText}`,
  );

  console.log('\nPer round and search step:');
  console.log(
    `| phase | rate msg/s | offered/s | at TVs | not delivered | one way p50 / p99 / p99.9 / max ms | round trip p50 / p99 ms | one way > ${SLOW_MS} ms: messages in episodes, longest ms | edge-1 d2d mean / edge-2 link request mean ms | CPU % bench / edge-1 / edge-2 / registry | registry lookups | verdict |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  const row = (label: string, r: PhaseResult, verdict: string) =>
    console.log(
      `| ${label} | ${n(r.rate)} | ${n(r.offeredPerSecond)} | ${n(r.delivered)} of ${n(r.sent)} | ${statusText(r)} | ${ms(r.oneWayMs.p50)} / ${ms(r.oneWayMs.p99)} / ${ms(r.oneWayMs.p999)} / ${ms(r.oneWayMs.max)} | ${ms(r.roundTripMs.p50)} / ${ms(r.roundTripMs.p99)} | ${n(r.slow.messages)} in ${r.slow.episodes}, ${ms(r.slow.longestEpisodeMs)} | ${ms(r.edgeMeanMs.d2dAtEdge1)} / ${ms(r.edgeMeanMs.deliverAtEdge2)} | ${pct(r.cpu.bench)} / ${pct(r.cpu.edge1)} / ${pct(r.cpu.edge2)} / ${pct(r.cpu.registry)} | ${r.registryLookups} | ${verdict} |`,
    );
  rounds.forEach((r, i) => row(`round ${i + 1}`, r, '–'));
  search?.steps.forEach((s, i) => row(`search ${i + 1}`, s, s.passed ? 'pass' : `fail: ${s.why}`));

  if (opts.json) {
    const json = {
      bench: 'd2d-latency',
      options: {
        ...opts,
        warmupSeconds: WARMUP_SECONDS,
        drainMs: DRAIN_MS,
        stepSettleMs: STEP_SETTLE_MS,
        edgeRateLimits: BENCH_RATE_LIMIT,
      },
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
      medians: {
        oneWayMs: { p50, p99, p999: med((r) => r.oneWayMs.p999), max: med((r) => r.oneWayMs.max) },
        roundTripMs: {
          p50: med((r) => r.roundTripMs.p50),
          p99: med((r) => r.roundTripMs.p99),
          p999: med((r) => r.roundTripMs.p999),
          max: med((r) => r.roundTripMs.max),
        },
      },
      targets: {
        ours: { ...TARGETS.ours, met: { p50: p50 < TARGETS.ours.p50, p99: p99 < TARGETS.ours.p99 } },
        pushy: { ...TARGETS.pushy, met: { p50: p50 < TARGETS.pushy.p50, p99: p99 < TARGETS.pushy.p99 } },
      },
      rounds,
      search,
      strays,
      errorFrames,
      closedDuringRun: info.closed,
    };
    writeFileSync(opts.json, JSON.stringify(json, null, 2) + '\n');
    log(`wrote ${opts.json}`);
  }
}

const n = (x: number) => (Number.isNaN(x) ? '–' : Math.round(x).toLocaleString('en-US'));
const ms = (x: number) => (!Number.isFinite(x) ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const pct = (x: number) => (Number.isNaN(x) ? '–' : `${Math.round(x)}`);

bench.run(main);
