/**
 * The scenarios of `npm run bench`, each measured on one started server with the client fleet of
 * @pushwire/loadgen: connect + idle memory, fan-out, direct push at a fixed rate and at max, and
 * (Pushwire only) the reconnect storm and the many-edge hold. Each returns plain figures; the suite
 * runs them per round and server and takes medians.
 */
import { performance } from 'node:perf_hooks';
import { timestampedPayload, type ClientFleet, type ConnectPlan, type WireProtocol } from '@pushwire/loadgen';
import { PushClient } from '@pushwire/push-client';
import { cpuSeconds } from '../cluster-bench';
import { paceAtRate } from '../rate-pacer';
import { percentile } from '../stats';
import { BENCH_JWT_SECRET, BENCH_SERVICE_TOKEN, rssBytes } from '../service-process';
import type { PushItem, RunningServer } from './servers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const deviceId = (i: number) => `bench-dev-${i}`;
const DEVICES_PER_ACCOUNT = 4;
/** Device `i` as Pushwire names it: its account (DEVICES_PER_ACCOUNT devices each, as the fleet's tokens say) and its id. */
export const device = (i: number) => ({ accountId: `bench-acc-${Math.floor(i / DEVICES_PER_ACCOUNT)}`, deviceId: deviceId(i) });

/**
 * Device `i` with a fresh timestamped payload, its fields written out: the bench runs the push
 * client in this process, and `{ ...device(i), payload }` costs V8 several µs per message (a spread
 * followed by more fields), CPU taken from the client under test.
 */
const pushItem = (i: number): PushItem => ({
  accountId: `bench-acc-${Math.floor(i / DEVICES_PER_ACCOUNT)}`,
  deviceId: deviceId(i),
  payload: timestampedPayload(),
});

/** How the fleet connects `count` devices (from `first`) to a server speaking `protocol` on `port`. */
export function connectPlan(protocol: WireProtocol, port: number, count: number, first = 0, extra: Partial<ConnectPlan> = {}): ConnectPlan {
  return {
    protocol,
    port,
    count,
    first,
    devicePrefix: 'bench-dev-',
    tokens:
      protocol === 'pushwire'
        ? { secret: BENCH_JWT_SECRET, accountPrefix: 'bench-acc-', devicesPerAccount: DEVICES_PER_ACCOUNT }
        : undefined,
    ...extra,
  };
}

export interface IdleFigures {
  connected: number;
  failed: number;
  acceptsPerSecond: number;
  rssPerConnection: number;
  rssPerConnectionAfterGc: number;
}

/**
 * Connects `n` devices as fast as the server takes them; RSS per connection once settled, and after a
 * full GC. `extra` adds to the connect plan (bench:topics: the topics each device is in).
 */
export async function connectAndIdle(
  server: RunningServer,
  fleet: ClientFleet,
  n: number,
  settleMs: number,
  extra: Partial<ConnectPlan> = {},
): Promise<IdleFigures> {
  await sleep(500);
  await server.collectGarbage();
  const baseRss = rssBytes(server.pid);
  // At most 500 handshakes in flight: under the listen backlog of node:http servers (511), which a
  // burst of 2,000 overflows (Socket.IO then loses connections to resets, which is no accept rate).
  const report = await fleet.connect(connectPlan(server.protocol, server.devicePort, n, 0, { maxConcurrent: 500, ...extra }));
  if (report.connected < n)
    throw new Error(`${server.name}: only ${report.connected} of ${n} devices connected (${JSON.stringify(report.failures)})`);
  await server.settled(n, device(n - 1));
  await sleep(settleMs);
  const rssPerConnection = Math.round((rssBytes(server.pid) - baseRss) / n);
  await server.collectGarbage();
  const rssPerConnectionAfterGc = Math.round((rssBytes(server.pid) - baseRss) / n);
  return {
    connected: report.connected,
    failed: report.failed,
    acceptsPerSecond: Math.round(report.acceptsPerSecond),
    rssPerConnection,
    rssPerConnectionAfterGc,
  };
}

/**
 * Counts what the devices receive from now on: `until(total)` waits until `total` more messages
 * arrived (or the deadline) and resolves with how many did.
 */
async function arrivals(fleet: ClientFleet): Promise<{ until(total: number, timeoutMs: number): Promise<number> }> {
  const before = (await fleet.stats()).messages;
  return {
    async until(total, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = (await fleet.stats()).messages - before;
        if (got >= total || Date.now() > deadline) return got;
        await sleep(20);
      }
    },
  };
}

/**
 * Messages 0 … total − 1 (message k to device k mod n, timestamped) handed to `send` in chunks of
 * `chunk`, `inFlight` chunks outstanding; resolves when every chunk was taken.
 */
async function sendInChunks(
  total: number,
  n: number,
  chunk: number,
  inFlight: number,
  send: (items: PushItem[]) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const from = next;
      next = Math.min(total, next + chunk);
      await send(Array.from({ length: next - from }, (_, k) => pushItem((from + k) % n)));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

export interface ThroughputFigures {
  sent: number;
  delivered: number;
  msgsPerSecond: number;
  /** Server CPU (user + system) per delivered message, µs. */
  cpuMicrosPerMessage: number;
}

/**
 * Fan-out: every connected device gets `repeat` messages, handed to the server in batches of
 * `batch` with `inFlight` batches outstanding; msgs/s from the first hand-over to the last arrival.
 */
export async function fanOut(
  server: RunningServer,
  fleet: ClientFleet,
  n: number,
  repeat: number,
  batch = 500,
  inFlight = 4,
): Promise<ThroughputFigures> {
  await fleet.resetLatencies();
  const arrived = await arrivals(fleet);
  const total = n * repeat;
  const cpu0 = cpuSeconds(server.pid);
  const t0 = performance.now();
  await sendInChunks(total, n, batch, inFlight, async (items) => void (await server.push(items)));
  const delivered = await arrived.until(total, 60_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(server.pid) - cpu0;
  return {
    sent: total,
    delivered,
    msgsPerSecond: Math.round(delivered / seconds),
    cpuMicrosPerMessage: Math.round((cpu / Math.max(1, delivered)) * 1e6 * 10) / 10,
  };
}

/** How a sender hands messages to a server: Pushwire end to end through its push client, peers through /push. */
export interface Sender {
  send(items: PushItem[]): Promise<void>;
  close(): Promise<void>;
}

export function senderFor(server: RunningServer): Sender {
  const { registryUrl } = server;
  if (registryUrl) {
    // push-client → registry lookup (route cache) → the edge's /v1/deliver: the whole direct path.
    const client = new PushClient({ registryUrl, serviceToken: BENCH_SERVICE_TOKEN });
    return {
      async send(items) {
        const results = await client.sendMany(
          items.map(({ accountId, deviceId, payload }) => ({ target: { accountId, deviceId }, payload })),
        );
        const failed = results.filter((r) => r.status !== 'delivered');
        if (failed.length) throw new Error(`${failed.length} sends not delivered, e.g. ${JSON.stringify(failed[0])}`);
      },
      close: () => client.close(),
    };
  }
  return { send: async (items) => void (await server.push(items)), close: async () => undefined };
}

export interface LatencyFigures {
  sent: number;
  delivered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Direct push at a fixed rate (open loop, what is due every `tickMs` goes in one call), end-to-end latency at the devices. */
export async function directAtRate(
  sender: Sender,
  fleet: ClientFleet,
  n: number,
  rate: number,
  seconds: number,
  tickMs = 5,
): Promise<LatencyFigures> {
  await fleet.resetLatencies();
  const arrived = await arrivals(fleet);
  const total = Math.round(rate * seconds);
  const inFlight: Promise<void>[] = [];
  const errors: unknown[] = [];
  await paceAtRate({
    rate,
    total,
    tickMs,
    emit: (first, count) => {
      const items = Array.from({ length: count }, (_, k) => pushItem((first + k) % n));
      inFlight.push(sender.send(items).catch((e) => void errors.push(e)));
    },
  });
  await Promise.all(inFlight);
  if (errors.length) throw errors[0];
  const delivered = await arrived.until(total, 30_000);
  const { samples: sorted } = await fleet.latencies();
  return {
    sent: total,
    delivered,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}

/** Direct push as fast as the path takes it: `total` messages in calls of `chunk`, `inFlight` outstanding. */
export async function directMax(
  sender: Sender,
  fleet: ClientFleet,
  n: number,
  total: number,
  chunk = 500,
  inFlight = 8,
): Promise<{ delivered: number; msgsPerSecond: number }> {
  const arrived = await arrivals(fleet);
  const t0 = performance.now();
  await sendInChunks(total, n, chunk, inFlight, (items) => sender.send(items));
  const delivered = await arrived.until(total, 60_000);
  return { delivered, msgsPerSecond: Math.round(delivered / ((performance.now() - t0) / 1000)) };
}
