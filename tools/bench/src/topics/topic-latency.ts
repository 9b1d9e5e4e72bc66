/**
 * Scenario 2 of bench:topics: one topic, N subscribers on one server, P publishes per second (open
 * loop); each device's time from the publish to having the message. Pushwire: one edge, devices
 * subscribed with `subscribe` frames (their tokens allow the run's topics), each publish one record
 * appended to the topic log on Kafka. Socket.IO: a room every socket joined, each publish
 * `io.to(room).emit` (POST /publish to the server; the send time is taken before the request).
 */
import { performance } from 'node:perf_hooks';
import type { ClientFleet, ConnectPlan } from '@pushwire/loadgen';
import { epochNowMs } from '@pushwire/loadgen';
import { BenchFailure, type BenchRun } from '../bench-run';
import { paceAtRate } from '../rate-pacer';
import { percentile } from '../stats';
import { connectPlan, device } from '../suite/scenarios';
import { SOCKET_IO, startPushwireEdges, type RunningServer } from '../suite/servers';
import { cpuOf, publishToPeer, sleep, stopOnce, topicEdgeEnv, waitForSamples } from './measure';
import type { TopicLogPublisher } from './topic-log';

/** How long after the last publish the messages still on their way are waited for; later ones count as lost. */
const DRAIN_MS = 15_000;
/** The warm-up message's deadline (the edge's topic feed may still be joining the log). */
const WARMUP_MS = 15_000;
const WARMUP_ATTEMPTS = 4;

export interface TopicLatencyOptions {
  subscribers: number;
  rate: number;
  seconds: number;
  kafkaBrokers: string;
  /** The run's tag: its topics are `<tag>.…`, which the device tokens allow. */
  tag: string;
}

export interface TopicLatencyFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  deliveredPercent: number;
  /** CPU of the server process from the first publish to the last delivery, % of one core: near 100, the server was the bottleneck. */
  serverCpuPercent: number;
}

/** Device tokens allowing every topic of the run (`<tag>.*`), for a pushwire plan. */
export function withTopicClaim(plan: ConnectPlan, tag: string): ConnectPlan {
  return { ...plan, tokens: { ...plan.tokens!, topics: [`${tag}.*`] } };
}

export async function topicLatencyRound(
  server: 'pushwire' | 'socketio',
  opts: TopicLatencyOptions,
  fleet: ClientFleet,
  publisher: TopicLogPublisher,
  bench: BenchRun,
  log: (msg: string) => void,
): Promise<TopicLatencyFigures> {
  const n = opts.subscribers;
  const topic = `${opts.tag}.live`;
  let target: RunningServer;
  let stopServer: () => Promise<void>;
  if (server === 'pushwire') {
    const cluster = await startPushwireEdges(1, { env: topicEdgeEnv(opts.kafkaBrokers) });
    target = cluster.edges[0]!;
    stopServer = () => cluster.stop();
  } else {
    target = await SOCKET_IO.start();
    stopServer = () => target.stop();
  }
  const cleanUp = stopOnce(bench, async () => {
    await fleet.closeAll();
    await stopServer();
  });
  try {
    const base = connectPlan(target.protocol, target.devicePort, n, 0, {
      maxConcurrent: 500,
      connectTimeoutMs: 60_000,
      topics: [{ name: topic }],
    });
    const r = await fleet.connect(server === 'pushwire' ? withTopicClaim(base, opts.tag) : base);
    if (r.connected < n)
      throw new BenchFailure(`topic latency: ${r.connected} of ${n} subscribed on ${target.name} (${JSON.stringify(r.failures)})`);
    await target.settled(n, device(n - 1));
    const publish =
      server === 'pushwire'
        ? () => publisher.publish(topic)
        : () => publishToPeer(target, topic, JSON.stringify({ t: epochNowMs() })).then(() => undefined);
    for (let attempt = 1; ; attempt++) {
      await fleet.resetLatencies();
      await publish();
      const got = await waitForSamples(fleet, n, WARMUP_MS);
      if (got >= n) break;
      if (attempt === WARMUP_ATTEMPTS || bench.interrupted)
        throw new BenchFailure(`topic latency warm-up: ${got} of ${n} subscribers had the message after ${attempt} tries`);
    }
    log(`topic latency: ${n} subscribers on ${target.name}; ${opts.rate} publishes/s for ${opts.seconds} s`);
    await fleet.resetLatencies();
    const total = Math.round(opts.rate * opts.seconds);
    const inFlight: Promise<void>[] = [];
    const errors: unknown[] = [];
    const cpu0 = cpuOf([target.pid]);
    const t0 = performance.now();
    await paceAtRate({
      rate: opts.rate,
      total,
      tickMs: 5,
      stop: () => !!bench.interrupted,
      emit: (_first, count) => {
        for (let i = 0; i < count; i++) inFlight.push(publish().catch((e) => void errors.push(e)));
      },
    });
    // Publishes that are not even answered within the drain window count as lost with their messages.
    const lastPublish = performance.now();
    await Promise.race([Promise.all(inFlight), sleep(DRAIN_MS)]);
    if (errors.length) throw errors[0];
    const got = await waitForSamples(fleet, total * n, Math.max(0, DRAIN_MS - (performance.now() - lastPublish)));
    const serverCpuPercent = Math.round(((cpuOf([target.pid]) - cpu0) / ((performance.now() - t0) / 1000)) * 1000) / 10;
    const { samples: arrived } = await fleet.latencies();
    // A message that did not arrive within the window is slower than any that did: it ranks last
    // (Infinity), so a percentile it reaches shows as missing rather than as a flattering number.
    const samples = new Float64Array(Math.max(arrived.length, total * n)).fill(Infinity);
    samples.set(arrived);
    const figures = {
      p50Ms: percentile(samples, 0.5),
      p99Ms: percentile(samples, 0.99),
      maxMs: samples.length ? samples[samples.length - 1]! : NaN,
      deliveredPercent: Math.round((got / (total * n)) * 10_000) / 100,
      serverCpuPercent,
    };
    log(
      `topic latency (${target.name}): ${got}/${total * n} delivered, p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms, max ${figures.maxMs.toFixed(1)} ms, server CPU ${serverCpuPercent}% of a core`,
    );
    return figures;
  } finally {
    await cleanUp();
  }
}
