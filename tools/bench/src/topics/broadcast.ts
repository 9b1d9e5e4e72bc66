/**
 * Scenario 1 of bench:topics: a broadcast to every connection of four server processes. Pushwire:
 * four edges reading the topic log on Kafka, each holding a quarter of the devices; one record
 * appended per broadcast, each edge publishing the frame to its devices (uWS native pub/sub, the
 * device-type topic every socket is in). The floor: four bare uWebSockets.js processes, every
 * socket subscribed to one uWS topic, each handed the same frame text (POST /publish →
 * `app.publish`). Per broadcast: each device's time from the send to having the frame, and the CPU
 * time of the four server processes from the send until the last device has it.
 */
import { performance } from 'node:perf_hooks';
import type { ClientFleet } from '@pushwire/loadgen';
import { BenchFailure, type BenchRun } from '../bench-run';
import { median, percentile } from '../stats';
import { connectPlan, device } from '../suite/scenarios';
import { BARE_UWS, startPushwireEdges, type RunningServer } from '../suite/servers';
import { cpuOf, publishToPeer, sleep, stopOnce, topicEdgeEnv, waitForSamples } from './measure';
import { broadcastFrameText, type TopicLogPublisher } from './topic-log';

/** Server processes of the scenario (the issue: 76,000 connections over four edges). */
export const BROADCAST_PROCESSES = 4;
/** A device's wait for one broadcast before it counts as missed. */
const ARRIVAL_TIMEOUT_MS = 30_000;
const WARMUP_ATTEMPTS = 4;
const IDLE_SAMPLE_MS = 2000;
/** The share of the devices that must connect for the round to count. */
const MIN_CONNECTED = 0.99;
/** The uWS topic every bare socket is in (the edge's counterpart: `$type:tv`). */
const BARE_TOPIC = 'everyone';

export interface BroadcastFigures {
  /** Over every (broadcast, device) pair. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Per broadcast, the time until its last device had it; the median over the broadcasts. */
  lastDeviceMedianMs: number;
  /** CPU (user + system) of the server processes per delivered frame: all they spent from the send to the last device. */
  cpuMicrosPerMessage: number;
  /**
   * The same less what the processes spend idle over that window (idleCpuMsPerSecond × its length):
   * the window ends when the last device has read its frame, which the clients decide, so the
   * servers' fixed costs (the edges' Kafka tail) would otherwise count in proportion to client speed.
   */
  netCpuMicrosPerMessage: number;
  /** CPU of the server processes together while nothing is sent (ms per s), measured just before the broadcasts. */
  idleCpuMsPerSecond: number;
  delivered: number;
  expected: number;
  /** Devices connected: the plan's count, less those a busy machine timed out (at most 1%). */
  connected: number;
}

export interface BroadcastOptions {
  connections: number;
  broadcasts: number;
  kafkaBrokers: string;
}

/** One round on Pushwire's edges or the bare uWS processes; the fleet must hold `connections` sockets. */
export async function broadcastRound(
  server: 'pushwire' | 'bare',
  opts: BroadcastOptions,
  fleet: ClientFleet,
  publisher: TopicLogPublisher,
  bench: BenchRun,
  log: (msg: string) => void,
): Promise<BroadcastFigures> {
  const n = opts.connections;
  const perProcess = Math.ceil(n / BROADCAST_PROCESSES);
  let servers: RunningServer[];
  let stopServers: () => Promise<void>;
  if (server === 'pushwire') {
    const cluster = await startPushwireEdges(BROADCAST_PROCESSES, { env: topicEdgeEnv(opts.kafkaBrokers) });
    servers = cluster.edges;
    stopServers = () => cluster.stop();
  } else {
    servers = [];
    stopServers = async () => void (await Promise.all(servers.map((s) => s.stop())));
    for (let i = 0; i < BROADCAST_PROCESSES; i++) servers.push(await BARE_UWS.start());
  }
  const cleanUp = stopOnce(bench, async () => {
    await fleet.closeAll();
    await stopServers();
  });
  try {
    let first = 0;
    let connected = 0;
    for (const s of servers) {
      const count = Math.min(perProcess, n - first);
      // A shared machine slows handshakes down: fewer at once, and a long deadline for each.
      const limits = { maxConcurrent: 1000, connectTimeoutMs: 60_000 };
      const plan =
        server === 'pushwire'
          ? connectPlan('pushwire', s.devicePort, count, first, limits)
          : connectPlan('ws', s.devicePort, count, first, { ...limits, topics: [{ name: BARE_TOPIC }] });
      const r = await fleet.connect(plan);
      if (r.connected < count * MIN_CONNECTED)
        throw new BenchFailure(`broadcast: ${r.connected} of ${count} connected to ${s.name} (${JSON.stringify(r.failures)})`);
      if (r.connected < count)
        log(`broadcast: ${count - r.connected} of ${count} did not connect to ${s.name} (${JSON.stringify(r.failures)})`);
      first += count;
      connected += r.connected;
      // Pushwire settles when the plan's last device is registered, which it cannot be if it did not connect.
      if (server === 'bare' || r.connected === count) await s.settled(r.connected, device(first - 1));
    }
    // Each broadcast must reach every connected device (those that did not connect are not waited for).
    const expected = connected;
    log(`broadcast: ${expected} devices on ${servers.length} ${servers[0]!.name} processes`);
    const send =
      server === 'pushwire'
        ? () => publisher.broadcast().then(() => undefined)
        : async () => {
            const frame = broadcastFrameText(`bare-${Date.now()}`);
            await Promise.all(servers.map((s) => publishToPeer(s, BARE_TOPIC, frame)));
          };
    // Warm-up (not counted): the edges' topic feeds are running, the JIT has seen the path, and a
    // Pushwire edge's WebSockets have joined their device type's broadcast topic (on the first
    // broadcast, docs/architecture.md change 37) — shown, as what a first broadcast costs.
    for (let attempt = 1; ; attempt++) {
      await fleet.resetLatencies();
      await send();
      const got = await waitForSamples(fleet, expected, ARRIVAL_TIMEOUT_MS / 2);
      if (attempt === 1) {
        const { samples } = await fleet.latencies();
        const sorted = Float64Array.from(samples).sort();
        log(
          `broadcast warm-up (the first one): ${got}/${expected} delivered, p50 ${percentile(sorted, 0.5).toFixed(1)} ms, last device ${(sorted.length ? sorted[sorted.length - 1]! : NaN).toFixed(1)} ms`,
        );
      }
      if (got >= expected) break;
      if (attempt === WARMUP_ATTEMPTS || bench.interrupted)
        throw new BenchFailure(`broadcast warm-up: ${got} of ${expected} devices had the broadcast after ${attempt} tries`);
    }
    const pids = servers.map((s) => s.pid);
    // What the processes spend doing nothing (timers, heartbeats, the edges' log fetches): part of
    // every broadcast's window, so shown beside the figure.
    const idle0 = cpuOf(pids);
    await sleep(IDLE_SAMPLE_MS);
    const idleCpuMsPerSecond = Math.round(((cpuOf(pids) - idle0) / IDLE_SAMPLE_MS) * 1e6 * 10) / 10;
    const all: number[] = [];
    const lastMs: number[] = [];
    let cpu = 0;
    let windowSeconds = 0;
    let delivered = 0;
    for (let k = 0; k < opts.broadcasts && !bench.interrupted; k++) {
      await sleep(300);
      await fleet.resetLatencies();
      const cpu0 = cpuOf(pids);
      const t0 = performance.now();
      await send();
      const got = await waitForSamples(fleet, expected, ARRIVAL_TIMEOUT_MS);
      cpu += cpuOf(pids) - cpu0;
      windowSeconds += (performance.now() - t0) / 1000;
      delivered += got;
      const { samples } = await fleet.latencies();
      lastMs.push(samples.length ? samples[samples.length - 1]! : NaN);
      for (const v of samples) all.push(v);
    }
    const sorted = Float64Array.from(all).sort();
    const figures: BroadcastFigures = {
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.length ? sorted[sorted.length - 1]! : NaN,
      lastDeviceMedianMs: median(lastMs),
      cpuMicrosPerMessage: Math.round((cpu / Math.max(1, delivered)) * 1e6 * 100) / 100,
      netCpuMicrosPerMessage: Math.round(((cpu - (idleCpuMsPerSecond / 1000) * windowSeconds) / Math.max(1, delivered)) * 1e6 * 100) / 100,
      idleCpuMsPerSecond,
      delivered,
      expected: expected * opts.broadcasts,
      connected,
    };
    log(
      `broadcast (${servers[0]!.name}): ${delivered}/${figures.expected} delivered, p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms, max ${figures.maxMs.toFixed(1)} ms, ${figures.cpuMicrosPerMessage} µs CPU/msg (${figures.netCpuMicrosPerMessage} net of idle ${idleCpuMsPerSecond} ms/s)`,
    );
    return figures;
  } finally {
    await cleanUp();
  }
}
