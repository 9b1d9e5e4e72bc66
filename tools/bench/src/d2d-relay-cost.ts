/**
 * CPU per relayed device-to-device message, each edge and the client apart: two real edges (a
 * process each, on an in-memory registry served over HTTP by this process, so no DynamoDB on the
 * path) and raw-WebSocket phones (edge 1) and TVs (edge 2) in this process, sending at a fixed
 * rate, one account per pair. A quick, repeatable measure of the relay's cost on a busy machine,
 * where bench:d2d's latencies are mostly scheduling: CPU time per message varies far less with
 * what else runs.
 *
 *   npx tsx tools/bench/src/d2d-relay-cost.ts [--rate 5000] [--seconds 8] [--pairs 50] [--journal BYTES] [--profile DIR]
 *
 * Prints CPU µs per message (user + system) of edge 1, edge 2 and the client (this process, the
 * registry's few calls included), and the round trip (d2d.send written → d2d.result read) p50 / p99.
 * `--profile DIR` writes each edge's CPU profile (edge1-<pid>.cpuprofile, edge2-…) to DIR.
 */
import { fork } from 'node:child_process';
import type net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { mintDeviceToken } from '@pushwire/auth';
import { startTestEdge, TEST_JWT_SECRET, TEST_SERVICE_TOKEN } from '@pushwire/edge/testing';
import { maskedTextFrame, openRawWebSocket } from '@pushwire/loadgen';
import { MemoryRegistryStore } from '@pushwire/registry';
import { listenTestRegistry } from '@pushwire/registry/testing';
import { HttpRegistryClient } from '@pushwire/registry-client';
import { intOption, parseBenchArgs } from './bench-run';
import { paceAtRate } from './rate-pacer';
import { percentile } from './stats';

type FromEdge = { port: number } | { cpu: NodeJS.CpuUsage };

/** A child: one edge on the parent's registry, answering `cpu` with its CPU time and ending on `stop`. */
async function runEdge(registryUrl: string, journal: number): Promise<void> {
  const registry = new HttpRegistryClient({ baseUrl: registryUrl, serviceToken: TEST_SERVICE_TOKEN });
  // Rate limits out of the way (as bench:d2d does): the bench's phones send far past a device's 20/s.
  const overrides = { deviceFramesPerSecond: 1_000_000, d2dPerSecond: 1_000_000, journalMaxBytes: journal };
  const edge = await startTestEdge(overrides, { registry });
  process.on('message', (m: string) => {
    if (m === 'cpu') process.send!({ cpu: process.cpuUsage() } satisfies FromEdge);
    if (m === 'stop') void edge.stop().then(() => process.exit(0));
  });
  process.send!({ port: edge.edge.devicePort } satisfies FromEdge);
}

/** An edge process: its device port, its CPU time (µs) so far, and how to stop it. */
async function startEdge(name: string, registryUrl: string, journal: number, profile: string | undefined) {
  const child = fork(__filename, ['--edge', registryUrl, String(journal)], {
    execArgv: ['--require', require.resolve('tsx/cjs'), ...(profile ? ['--require', path.join(__dirname, 'cpu-profile-preload.ts')] : [])],
    env: { ...process.env, ...(profile ? { PUSHWIRE_BENCH_PROFILE_DIR: path.resolve(profile), PUSHWIRE_BENCH_PROFILE_NAME: name } : {}) },
  });
  const port = await new Promise<number>((resolve) => child.once('message', (m: FromEdge) => 'port' in m && resolve(m.port)));
  return {
    port,
    cpu: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m: FromEdge) => 'cpu' in m && resolve(m.cpu.user + m.cpu.system));
        child.send('cpu');
      }),
    stop: () => {
      child.send('stop');
      return new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

async function main(): Promise<void> {
  const values = parseBenchArgs(process.argv.slice(2), {
    rate: '5000',
    seconds: '8',
    pairs: '50',
    journal: '67108864',
    profile: undefined,
  });
  if (!values) {
    console.log('npx tsx tools/bench/src/d2d-relay-cost.ts [--rate 5000] [--seconds 8] [--pairs 50] [--journal BYTES] [--profile DIR]');
    return;
  }
  const rate = intOption('rate', values.rate, 1, 100_000);
  const seconds = intOption('seconds', values.seconds, 1, 120);
  const pairs = intOption('pairs', values.pairs, 1, 1000);
  const journal = intOption('journal', values.journal, 0, 1_073_741_824);

  const registry = await listenTestRegistry(new MemoryRegistryStore(), TEST_SERVICE_TOKEN);
  const edge1 = await startEdge('edge1', registry.baseUrl, journal, values.profile);
  const edge2 = await startEdge('edge2', registry.baseUrl, journal, values.profile);

  const sentAt: number[] = [];
  const rtt: number[] = [];
  const statuses: Record<string, number> = {};
  let arrived = 0;
  let welcomed = 0;
  const onText = (text: string) => {
    const f = JSON.parse(text) as { type: string; reqId?: string; status?: string };
    if (f.type === 'd2d.message') arrived++;
    else if (f.type === 'd2d.result') {
      statuses[f.status!] = (statuses[f.status!] ?? 0) + 1;
      rtt.push(performance.now() - sentAt[Number(f.reqId)]!);
    } else if (f.type === 'welcome') welcomed++;
  };
  const open = async (port: number, accountId: string, deviceId: string, deviceType: string): Promise<net.Socket> => {
    const token = await mintDeviceToken({ secret: TEST_JWT_SECRET, accountId, deviceId, deviceType, ttlSeconds: 3600 });
    const socket = await openRawWebSocket({ port, path: `/v1/connect?token=${token}`, localAddress: '127.0.0.1', onText });
    socket.setNoDelay(true);
    return socket;
  };
  const phones: net.Socket[] = [];
  for (let i = 0; i < pairs; i++) {
    await open(edge2.port, `acct-${i}`, `tv-${i}`, 'tv');
    phones.push(await open(edge1.port, `acct-${i}`, `phone-${i}`, 'phone'));
  }
  while (welcomed < 2 * pairs) await new Promise((r) => setTimeout(r, 10));

  let n = 0;
  const send = () => {
    const i = n++;
    sentAt[i] = performance.now();
    phones[i % pairs]!.write(maskedTextFrame(`{"type":"d2d.send","reqId":"${i}","to":"tv-${i % pairs}","payload":{"n":${i}}}`));
  };
  /** `total` messages at the rate, then until all are answered (5 s at most). */
  const phase = async (total: number) => {
    const answered = rtt.length + total;
    await paceAtRate({ rate, total, emit: (_first, count) => Array.from({ length: count }, send) });
    const until = performance.now() + 5000;
    while (rtt.length < answered && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
  };
  await phase(Math.min(rate * 2, 10_000)); // warm-up (JIT, first lookups), not counted
  rtt.length = 0;
  for (const k of Object.keys(statuses)) delete statuses[k];
  arrived = 0;
  const first = n;
  const cpu0 = [await edge1.cpu(), await edge2.cpu()];
  const client0 = process.cpuUsage();
  await phase(rate * seconds);
  const client = process.cpuUsage(client0);
  const cpu1 = [await edge1.cpu(), await edge2.cpu()];
  const count = n - first;
  const us = (micros: number) => (micros / count).toFixed(1);
  rtt.sort((a, b) => a - b);
  console.log(
    `${rate}/s × ${seconds} s, ${pairs} pairs, journal ${journal}: ${count} sent, ${arrived} at TVs, results ${JSON.stringify(statuses)}; ` +
      `CPU µs/msg edge 1 ${us(cpu1[0]! - cpu0[0]!)}, edge 2 ${us(cpu1[1]! - cpu0[1]!)}, client ${us(client.user + client.system)}; ` +
      `round trip p50 ${percentile(rtt, 0.5).toFixed(2)} p99 ${percentile(rtt, 0.99).toFixed(2)} ms`,
  );
  for (const p of phones) p.destroy();
  await Promise.all([edge1.stop(), edge2.stop()]);
  await registry.app.close();
}

if (process.argv[2] === '--edge') void runEdge(process.argv[3]!, Number(process.argv[4]));
else void main().then(() => process.exit(0));
