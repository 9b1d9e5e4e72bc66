/**
 * What the client side of an edge link costs, `ws` (what EdgeLink uses) against a lean hand-rolled
 * client (a net.Socket writing masked frames, tools/loadgen's raw WebSocket): both talk to a real
 * LinkEndpoint on a uWS app in this process, whose deliverer answers `delivered` at once, so the
 * server's share of the CPU is the same for both and the difference is the client's.
 *
 *   npx tsx tools/bench/src/link-client-cost.ts [--requests 50000] [--rounds 3]
 *
 * Each client sends one-delivery link requests the way the relay does under load (one request per
 * event-loop turn, up to 64 in flight) and reads the answers; per client: CPU µs per request (this
 * process, user + system) and the request → answer time p50 / p99.
 */
import { performance } from 'node:perf_hooks';
import { EdgeLink, LinkEndpoint } from '@pushwire/edge';
import { maskedTextFrame, openRawWebSocket } from '@pushwire/loadgen';
import type { Delivery, DeliveryStatus } from '@pushwire/protocol';
import { ServiceTokenVerifier, silentLogger } from '@pushwire/service-kit';
import { closeListenSocket, listenPort, uWS, type us_listen_socket } from '@pushwire/uws';
import { intOption, parseBenchArgs } from './bench-run';
import { percentile } from './stats';

const TOKEN = 'link-client-cost-token';
const IN_FLIGHT = 64;

const delivery = (i: number): Delivery => ({
  accountId: 'bench-account-0001',
  deviceId: 'tv-0001',
  connectionId: 'c-0123456789abcdef',
  from: 'phone-0001',
  message: { id: `m${i.toString(36).padStart(15, '0')}`, payload: { seq: i, play: 'movie-42' }, createdAt: Date.now() },
});

type Send = (d: Delivery) => Promise<unknown>;

/** Sends `n` requests, one per turn, at most IN_FLIGHT waiting; CPU µs per request and latency percentiles (ms). */
async function run(send: Send, n: number): Promise<{ cpuUs: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    while (inFlight >= IN_FLIGHT) await new Promise<void>((r) => (wake = r));
    inFlight++;
    const t0 = performance.now();
    void send(delivery(i)).then(() => {
      latencies.push(performance.now() - t0);
      inFlight--;
      wake?.();
    });
    await new Promise((r) => setImmediate(r));
  }
  while (inFlight > 0) await new Promise<void>((r) => (wake = r));
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return { cpuUs: (cpu.user + cpu.system) / n, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

/** The lean client: raw socket, masked frames, answers matched by id. */
async function rawClient(port: number): Promise<{ send: Send; close(): void }> {
  const waiting = new Map<number, (s: DeliveryStatus[]) => void>();
  let nextId = 0;
  const socket = await openRawWebSocket({
    port,
    path: '/v1/link',
    localAddress: '127.0.0.1',
    headers: { authorization: `Bearer ${TOKEN}` },
    onText: (text) => {
      const answer = JSON.parse(text) as { id: number; statuses: DeliveryStatus[] };
      waiting.get(answer.id)?.(answer.statuses);
      waiting.delete(answer.id);
    },
  });
  return {
    send: (d) =>
      new Promise((settle) => {
        const id = nextId++;
        waiting.set(id, settle);
        socket.write(maskedTextFrame(JSON.stringify({ id, deliveries: [d] })));
      }),
    close: () => socket.destroy(),
  };
}

async function main(): Promise<void> {
  const values = parseBenchArgs(process.argv.slice(2), { requests: '50000', rounds: '3' });
  if (!values) return;
  const requests = intOption('requests', values.requests, 100, 10_000_000);
  const rounds = intOption('rounds', values.rounds, 1, 10);
  const endpoint = new LinkEndpoint({
    logger: silentLogger(),
    deliverer: { deliver: (d) => ({ accountId: d.accountId, deviceId: d.deviceId, messageId: d.message.id, status: 'delivered' }) },
  });
  const app = uWS.App();
  endpoint.attach(app, new ServiceTokenVerifier({ sender: [], edge: [TOKEN] }));
  const listen = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('cannot listen')))),
  );
  const port = listenPort(listen);
  const link = new EdgeLink(`ws://127.0.0.1:${port}/v1/link`, { serviceToken: TOKEN });
  const raw = await rawClient(port);
  const clients: [string, Send][] = [
    ['ws (EdgeLink)', (d) => link.send([d])],
    ['lean (net.Socket + masked frames)', raw.send],
  ];
  for (const [, send] of clients) await run(send, 2000); // warm-up
  const results = new Map<string, { cpuUs: number; p50: number; p99: number }[]>();
  for (let r = 0; r < rounds; r++)
    for (const [name, send] of clients) results.set(name, [...(results.get(name) ?? []), await run(send, requests)]);
  console.log(
    `| client, ${requests} one-delivery link requests × ${rounds} rounds (medians) | CPU µs / request (client + server) | p50 ms | p99 ms |`,
  );
  console.log('|---|---|---|---|');
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [name, rs] of results)
    console.log(
      `| ${name} | ${med(rs.map((x) => x.cpuUs)).toFixed(1)} | ${med(rs.map((x) => x.p50)).toFixed(3)} | ${med(rs.map((x) => x.p99)).toFixed(3)} |`,
    );
  await link.close();
  raw.close();
  endpoint.closeAll();
  closeListenSocket(listen);
}

void main();
