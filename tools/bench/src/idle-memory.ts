/**
 * Idle-connection memory: server RSS per idle connection, Pushwire's edge (authenticated and
 * registered connections) next to bare uWebSockets.js, alternating in one run. The edge runs twice:
 * with the Node flags it ships with (EDGE_NODE_FLAGS) and with V8's defaults, to show what they buy.
 * Each server is sampled after `--settle` seconds and again after a forced full GC (live state only).
 *
 *   npm run bench:memory -- [--connections 19000] [--rounds 1] [--settle 15]
 *
 * Servers run in their own processes; this process is the client (raw sockets, several loopback
 * source addresses). Bounded: at most 19,500 connections (one process's file limit), loopback only.
 */
import os from 'node:os';
import net from 'node:net';
import { mintDeviceToken } from '@pushwire/auth';
import { EDGE_NODE_FLAGS } from '@pushwire/edge';
import { freePorts } from '@pushwire/infra';
import { openRawWebSocket } from '@pushwire/loadgen';
import {
  BENCH_JWT_SECRET as SECRET,
  BENCH_SERVICE_TOKEN as SERVICE_TOKEN,
  benchServiceTokenEnv,
  collectGarbage,
  GC_ON_SIGNAL_FLAGS,
  rssBytes,
  startRegistry,
  startService,
  type StartedService,
} from './service-process';
import { BenchRun, intOption, parseBenchArgs } from './bench-run';

const USAGE = `Usage: npm run bench:memory -- [--connections N] [--rounds N] [--settle S]

Server RSS (and JS heap) per idle connection: bare uWebSockets.js, then Pushwire's edge with its
shipped Node flags and with V8's defaults, alternating per round; sampled after --settle seconds and
again after a forced full GC. Loopback only.

Options:
  --connections N  connections per server (default 19000; 100 to 19500, one process's file limit)
  --rounds N       rounds (default 1; 1 to 9)
  --settle S       seconds to wait before sampling (default 15; 0 to 300)
  -h, --help       print this text`;

const bench = new BenchRun('bench:memory', USAGE);
let N = 0;
let ROUNDS = 0;
let SETTLE_MS = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a server with a full GC on SIGUSR2 (see servers/gc-on-signal.cjs), after `nodeFlags`. */
function start(
  name: string,
  main: string,
  env: (port: number) => Record<string, string>,
  readyPath: string,
  nodeFlags: readonly string[] = [],
): Promise<StartedService> {
  return startService(name, main, env, readyPath, { nodeFlags: [...nodeFlags, ...GC_ON_SIGNAL_FLAGS] });
}

async function openMany(port: number, pathFor: (i: number) => string): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  const batch = 500;
  for (let i = 0; i < N; i += batch) {
    const opened = await Promise.all(
      Array.from({ length: Math.min(batch, N - i) }, (_, j) =>
        openRawWebSocket({ port, path: pathFor(i + j), localAddress: `127.0.0.${2 + ((i + j) % 50)}` }),
      ),
    );
    sockets.push(...opened);
  }
  return sockets;
}

interface Sample {
  server: string;
  connections: number;
  baseRss: number;
  loadedRss: number;
  /** RSS bytes per connection as the server runs (garbage of the connect burst included). */
  perConnection: number;
  /** RSS and JS heap bytes per connection after a forced full GC: the live state. */
  perConnectionAfterGc: number;
  heapPerConnection?: number;
  heapPerConnectionAfterGc?: number;
  connectSeconds: number;
}

async function measure(
  server: string,
  pid: number,
  port: number,
  pathFor: (i: number) => string,
  settled: () => Promise<void>,
  heapUsed?: () => Promise<number>,
): Promise<Sample> {
  await sleep(1000);
  await collectGarbage(pid);
  const baseRss = rssBytes(pid);
  const baseHeap = heapUsed ? await heapUsed() : 0;
  const t0 = Date.now();
  const sockets = await openMany(port, pathFor);
  const connectSeconds = (Date.now() - t0) / 1000;
  await settled();
  // Let the server finish its post-connect work (GC of auth and registration garbage) before sampling.
  await sleep(SETTLE_MS);
  const loadedRss = rssBytes(pid);
  const perHeap = async () => (heapUsed ? Math.round(((await heapUsed()) - baseHeap) / N) : undefined);
  const heapPerConnection = await perHeap();
  await collectGarbage(pid);
  const perConnectionAfterGc = Math.round((rssBytes(pid) - baseRss) / N);
  const heapPerConnectionAfterGc = await perHeap();
  for (const s of sockets) s.destroy();
  return {
    server,
    connections: N,
    baseRss,
    loadedRss,
    perConnection: Math.round((loadedRss - baseRss) / N),
    perConnectionAfterGc,
    heapPerConnection,
    heapPerConnectionAfterGc,
    connectSeconds,
  };
}

async function bareUws(): Promise<Sample> {
  const bare = await start('bare-uws', 'tools/bench/src/servers/bare-uws.ts', (port) => ({ BENCH_PORT: String(port) }), '/readyz');
  try {
    return await measure(
      'bare uWebSockets.js',
      bare.pid,
      bare.port,
      () => '/',
      async () => undefined,
    );
  } finally {
    await bare.process.stop('SIGKILL');
  }
}

async function pushwireEdge(tokens: string[], label: string, nodeFlags: readonly string[]): Promise<Sample> {
  const registry = await startRegistry(SERVICE_TOKEN);
  const registryPort = registry.port;
  const [devicePort] = await freePorts(1);
  // The internal port is the one the start picks; readiness is asked there (/readyz).
  const edge = await start(
    'push-edge',
    'apps/push-edge/src/main.ts',
    (internalPort) => ({
      PUSHWIRE_EDGE_PORT: String(devicePort),
      PUSHWIRE_EDGE_INTERNAL_PORT: String(internalPort),
      PUSHWIRE_EDGE_HOST: '127.0.0.1',
      ...benchServiceTokenEnv(SERVICE_TOKEN),
      PUSHWIRE_JWT_SECRET: SECRET,
      PUSHWIRE_REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
      PUSHWIRE_EDGE_DRAIN_SECONDS: '0',
      PUSHWIRE_EDGE_ACCEPTS_PER_SECOND: '0', // this bench measures memory; the accept limit would only slow the ramp
    }),
    '/readyz',
    nodeFlags,
  );
  const internalUrl = `http://127.0.0.1:${edge.port}`;
  const heapUsed = async () =>
    Number(/^nodejs_heap_size_used_bytes\{[^}]*\} (\d+)/m.exec(await (await fetch(`${internalUrl}/metrics`)).text())![1]);
  try {
    return await measure(
      label,
      edge.pid,
      devicePort!,
      (i) => `/v1/connect?token=${tokens[i]}`,
      async () => {
        // Wait until the last device is registered: the edge's state is complete.
        const last = `bench-acc-${(N - 1) >> 1}/registrations/bench-dev-${N - 1}`;
        for (let i = 0; i < 100; i++) {
          const r = await fetch(`http://127.0.0.1:${registryPort}/v1/accounts/${last}`, {
            headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
          });
          if (r.status === 200) return;
          await sleep(200);
        }
        throw new Error('devices were not all registered');
      },
      heapUsed,
    );
  } finally {
    await edge.process.stop('SIGKILL');
    await registry.process.stop('SIGKILL');
  }
}

async function main(): Promise<void> {
  const values = parseBenchArgs(process.argv.slice(2), { connections: '19000', rounds: '1', settle: '15' });
  if (!values) return console.log(USAGE);
  N = intOption('connections', values.connections, 100, 19_500);
  ROUNDS = intOption('rounds', values.rounds, 1, 9);
  SETTLE_MS = intOption('settle', values.settle, 0, 300) * 1000;
  process.stderr.write(`minting ${N} device tokens…\n`);
  const tokens = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      mintDeviceToken({ secret: SECRET, accountId: `bench-acc-${i >> 1}`, deviceId: `bench-dev-${i}`, deviceType: i % 2 ? 'tv' : 'phone' }),
    ),
  );
  const samples: Sample[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    samples.push(await bareUws());
    await sleep(2000);
    samples.push(await pushwireEdge(tokens, `Pushwire edge (${EDGE_NODE_FLAGS.join(' ')}, as shipped)`, EDGE_NODE_FLAGS));
    await sleep(2000);
    samples.push(await pushwireEdge(tokens, 'Pushwire edge (V8 default young generation)', []));
    await sleep(2000);
  }
  const mb = (b: number) => (b / 1048576).toFixed(1);
  console.log(`\nIdle connections: ${N} per server, ${ROUNDS} round(s); machine: ${os.cpus().length} cores, ${mb(os.totalmem())} MiB`);
  console.log(
    '| server | connections | RSS before (MiB) | RSS with connections (MiB) | RSS B/conn | RSS B/conn after GC | JS heap B/conn | JS heap B/conn after GC | connect time (s) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const s of samples)
    console.log(
      `| ${s.server} | ${s.connections} | ${mb(s.baseRss)} | ${mb(s.loadedRss)} | ${s.perConnection} | ${s.perConnectionAfterGc} | ${s.heapPerConnection ?? '–'} | ${s.heapPerConnectionAfterGc ?? '–'} | ${s.connectSeconds.toFixed(1)} |`,
    );
  const med = (name: string) => {
    const v = samples
      .filter((s) => s.server.startsWith(name))
      .map((s) => s.perConnection)
      .sort((a, b) => a - b);
    return v[v.length >> 1]!;
  };
  const edge = med('Pushwire edge (--'),
    bare = med('bare');
  console.log(
    `\nPushwire edge as shipped / bare uWS bytes per idle connection: ${(edge / bare).toFixed(2)}×; budget 1,500 B → ${edge <= 1500 ? 'within' : `over by ${edge - 1500} B`}`,
  );
  console.log(`Projection for 1,000,000 idle connections on one edge: ~${((edge * 1e6) / 1073741824).toFixed(2)} GiB of connection state`);
}

bench.run(main);
