/**
 * Registry lookups: requests/s, device lookups/s and p50/p99 latency through the registry service's
 * HTTP API — single lookups (GET /v1/accounts/:accountId/registrations/:deviceId) and batch lookups (POST /v1/lookup) of
 * random seeded devices — on the memory store and on DynamoDB Local, both in one run.
 *
 *   npm run bench:registry -- [--seconds 8] [--devices 10000] [--concurrency 32] [--batch 50]
 *
 * Each registry runs in its own process (apps/registry), seeded over its HTTP API (one edge lease,
 * registrations in batches). This process is the client: a closed loop of `--concurrency` requests
 * in flight over keep-alive connections (undici), warmed up before each measured case; the cases
 * alternate between the stores. DynamoDB Local: DYNAMODB_ENDPOINT when set (loopback only; the
 * bench creates and deletes its own table), else one started with @pushwire/infra and stopped at the
 * end. Bounded (about 4 × (seconds + warm-up) plus seeding), loopback only; exits non-zero on failure.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Pool } from 'undici';
import { LOCAL_AWS_ENV, startInfra } from '@pushwire/infra';
import { MAX_REGISTRY_BATCH, type DeviceRef, type Registration } from '@pushwire/protocol';
import { HttpRegistryClient } from '@pushwire/registry-client';
import { BenchFailure, BenchRun, intOption, isLoopback, parseBenchArgs } from './bench-run';
import { BENCH_SERVICE_TOKEN as SERVICE_TOKEN, startRegistry, type StartedService } from './service-process';
import { percentile } from './stats';

const USAGE = `Usage: npm run bench:registry -- [options]

Registry lookups/s and p50/p99 latency through the registry's HTTP API, single lookups
(GET /v1/accounts/:accountId/registrations/:deviceId) and batch lookups (POST /v1/lookup), on the memory store and on
DynamoDB Local, in one run. Loopback only; stops by itself.

Options:
  --seconds N       measured seconds per case (default 8; 1 to 120)
  --devices N       devices seeded into each registry (default 10000; up to 100000)
  --concurrency N   requests in flight (default 32; 1 to 256)
  --batch N         devices per batch lookup (default 50; 1 to ${MAX_REGISTRY_BATCH})
  -h, --help        print this text

Environment:
  DYNAMODB_ENDPOINT  a DynamoDB Local on a loopback address to use (default: start one with
                     @pushwire/infra, stopped at the end); the bench creates and deletes its own
                     table in it. AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY default
                     to DynamoDB Local's test values.`;

const EDGE_ID = 'bench-edge-1';
// Never called: lookups only return it.
const EDGE_URL = 'http://127.0.0.1:1';
const LEASE_TTL_SECONDS = 3600;
const WARMUP_MS = 1500;
const REQUEST_TIMEOUT_MS = 10_000;
const CLOCK_TICKS_PER_SECOND = 100;

const bench = new BenchRun('bench:registry', USAGE);

interface Options {
  seconds: number;
  devices: number;
  concurrency: number;
  batch: number;
}

/** The options, or undefined when `--help` asked for the usage text. */
function parseOptions(args: string[]): Options | undefined {
  const values = parseBenchArgs(args, { seconds: '8', devices: '10000', concurrency: '32', batch: '50' });
  if (!values) return undefined;
  const batch = intOption('batch', values.batch, 1, MAX_REGISTRY_BATCH);
  return {
    seconds: intOption('seconds', values.seconds, 1, 120),
    devices: intOption('devices', values.devices, batch, 100_000),
    concurrency: intOption('concurrency', values.concurrency, 1, 256),
    batch,
  };
}

type Case = 'single' | 'batch';

/** One registry under test and its client pool. */
interface Target {
  store: 'memory' | 'dynamodb';
  service: StartedService;
  pool: Pool;
}

interface CaseResult {
  store: Target['store'];
  kase: Case;
  ok: number;
  errors: number;
  firstError?: string;
  seconds: number;
  /** Latency of each successful request, sorted ascending. */
  latenciesMs: Float64Array;
  /** CPU time during the case, in % of one core. */
  cpu: { client: number; registry: number; dynamodb?: number };
}

/** user + system CPU seconds of a process so far, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5), utime and stime; `fields` starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** `count` distinct random elements of `devices`. */
function randomDevices(devices: readonly DeviceRef[], count: number): DeviceRef[] {
  const picked = new Set<DeviceRef>();
  while (picked.size < count) picked.add(devices[Math.floor(Math.random() * devices.length)]!);
  return [...picked];
}

/**
 * One request of a case: what to send, and how to tell the answer is right (undefined) or not (why).
 * Answers are checked in full, so a fast wrong answer never counts.
 */
function nextRequest(
  kase: Case,
  devices: readonly DeviceRef[],
  batch: number,
): { method: 'GET' | 'POST'; path: string; body?: string; check(status: number, text: string): string | undefined } {
  if (kase === 'single') {
    const device = devices[Math.floor(Math.random() * devices.length)]!;
    const path = `/v1/accounts/${device.accountId}/registrations/${device.deviceId}`;
    return {
      method: 'GET',
      path,
      check: (status, text) => {
        if (status !== 200) return `GET ${path} answered ${status}: ${text.slice(0, 200)}`;
        const found = JSON.parse(text) as Registration;
        return found.accountId === device.accountId && found.deviceId === device.deviceId
          ? undefined
          : `GET ${path} answered another device`;
      },
    };
  }
  return {
    method: 'POST',
    path: '/v1/lookup',
    body: JSON.stringify({ devices: randomDevices(devices, batch) }),
    check: (status, text) => {
      if (status !== 200) return `POST /v1/lookup answered ${status}: ${text.slice(0, 200)}`;
      const { registrations, missing } = JSON.parse(text) as { registrations: Registration[]; missing: DeviceRef[] };
      return registrations.length === batch && missing.length === 0
        ? undefined
        : `POST /v1/lookup of ${batch} seeded devices found ${registrations.length}, missing ${missing.length}`;
    },
  };
}

/** Fails the run, naming the store, when its registry process is gone. */
function assertRunning(target: Target, kase: Case): void {
  const { process: service } = target.service;
  if (!service.running) {
    throw new BenchFailure(
      `the ${target.store} registry exited (${service.lastExit?.signal ?? service.lastExit?.code ?? 'unknown'}) before or during the ${kase} case`,
    );
  }
}

/**
 * Closed loop: `concurrency` workers, each sending its next request as soon as the previous one is
 * answered, until `ms` have passed (requests in flight then are finished and counted).
 */
async function drive(
  target: Target,
  kase: Case,
  devices: readonly DeviceRef[],
  opts: Options,
  ms: number,
  dynamodbPid?: number,
): Promise<CaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const { pid } = target.service;
  assertRunning(target, kase);
  const cpu0 = { client: process.cpuUsage(), registry: cpuSeconds(pid), dynamodb: dynamodbPid ? cpuSeconds(dynamodbPid) : 0 };
  const t0 = performance.now();
  const end = t0 + ms;
  const worker = async () => {
    while (!bench.interrupted && performance.now() < end) {
      const req = nextRequest(kase, devices, opts.batch);
      const started = performance.now();
      let problem: string | undefined;
      try {
        const res = await target.pool.request({
          method: req.method,
          path: req.path,
          headers:
            req.body === undefined
              ? { authorization: `Bearer ${SERVICE_TOKEN}` }
              : { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
          body: req.body,
          headersTimeout: REQUEST_TIMEOUT_MS,
          bodyTimeout: REQUEST_TIMEOUT_MS,
        });
        problem = req.check(res.statusCode, await res.body.text());
      } catch (e) {
        problem = `${req.method} ${req.path} failed: ${(e as Error).message}`;
      }
      if (problem === undefined) {
        latencies.push(performance.now() - started);
      } else {
        errors++;
        firstError ??= problem;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(cpu0.client);
  assertRunning(target, kase);
  const pct = (cpuSecondsUsed: number) => (cpuSecondsUsed / seconds) * 100;
  return {
    store: target.store,
    kase,
    ok: latencies.length,
    errors,
    firstError,
    seconds,
    latenciesMs: Float64Array.from(latencies).sort(),
    cpu: {
      client: pct((client.user + client.system) / 1e6),
      registry: pct(cpuSeconds(pid) - cpu0.registry),
      ...(dynamodbPid ? { dynamodb: pct(cpuSeconds(dynamodbPid) - cpu0.dynamodb) } : {}),
    },
  };
}

/** Takes one edge lease and registers `devices` devices on it through the HTTP API; returns them (account and id). */
async function seed(target: Target, devices: number): Promise<DeviceRef[]> {
  const client = new HttpRegistryClient({
    baseUrl: `http://127.0.0.1:${target.service.port}`,
    serviceToken: SERVICE_TOKEN,
    timeoutMs: 30_000,
  });
  try {
    const t0 = performance.now();
    await client.renewLease(EDGE_ID, EDGE_URL, LEASE_TTL_SECONDS);
    const nowMs = Date.now();
    const registrations = Array.from({ length: devices }, (_, i): Registration => ({
      deviceId: `bench-dev-${i}`,
      accountId: `bench-acc-${i >> 1}`,
      deviceType: i % 2 ? 'tv' : 'phone',
      edgeId: EDGE_ID,
      edgeUrl: EDGE_URL,
      connectionId: `bench-conn-${i}`,
      connectedAt: nowMs,
      expiresAt: Math.floor(nowMs / 1000) + LEASE_TTL_SECONDS,
    }));
    // The client splits each slice into requests of MAX_REGISTRY_BATCH and sends them together: 4 in flight.
    const slice = 4 * MAX_REGISTRY_BATCH;
    for (let i = 0; i < registrations.length; i += slice) {
      const rejected = (await client.register(registrations.slice(i, i + slice))).filter((r) => r.outcome !== 'registered');
      if (rejected.length)
        throw new BenchFailure(`seeding the ${target.store} registry: ${rejected.length} registrations came back ${rejected[0]!.outcome}`);
    }
    const seeded = registrations.map((r) => ({ accountId: r.accountId, deviceId: r.deviceId }));
    const { missing } = await client.lookup(seeded.slice(-MAX_REGISTRY_BATCH));
    if (missing.length)
      throw new BenchFailure(
        `seeding the ${target.store} registry: ${missing.length} seeded devices do not resolve, e.g. ${missing[0]!.deviceId} of ${missing[0]!.accountId}`,
      );
    process.stderr.write(
      `seeded ${devices} devices into the ${target.store} registry in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    return seeded;
  } catch (e) {
    throw e instanceof BenchFailure ? e : new BenchFailure(`seeding the ${target.store} registry: ${(e as Error).message}`);
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) {
    console.log(USAGE);
    return;
  }
  const loadBefore = os.loadavg()[0]!;
  const log = (msg: string) => process.stderr.write(`${msg}\n`);

  // DynamoDB Local: the one named by DYNAMODB_ENDPOINT, else one of our own.
  let endpoint = process.env.DYNAMODB_ENDPOINT;
  const aws: Record<string, string> = { ...LOCAL_AWS_ENV };
  let dynamodbPid: number | undefined;
  const table = `pushwire-bench-registry-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  if (endpoint) {
    if (!isLoopback(endpoint))
      throw new BenchFailure(`DYNAMODB_ENDPOINT=${endpoint} is not a loopback address: this bench only talks to 127.0.0.1/localhost`);
    for (const key of Object.keys(aws)) aws[key] = process.env[key] || aws[key]!;
    const client = new DynamoDBClient({
      endpoint,
      region: aws.AWS_REGION,
      maxAttempts: 2,
      credentials: { accessKeyId: aws.AWS_ACCESS_KEY_ID!, secretAccessKey: aws.AWS_SECRET_ACCESS_KEY! },
    });
    bench.onCleanup(async () => {
      try {
        await client.send(new DeleteTableCommand({ TableName: table }));
      } catch (e) {
        if ((e as Error).name !== 'ResourceNotFoundException') throw e;
      } finally {
        client.destroy();
      }
    });
    log(`using DynamoDB Local at ${endpoint} (table ${table}, deleted at the end)`);
  } else {
    log('starting DynamoDB Local (@pushwire/infra)…');
    const infra = await startInfra({ kafka: false, dynamodb: true, log });
    bench.onCleanup(() => infra.stop());
    endpoint = infra.dynamodbEndpoint!;
    dynamodbPid = infra.state.dynamodb?.pid;
  }

  // Started one after the other: two tsx starts at once would only slow each other on 2 cores.
  const targets: Target[] = [];
  for (const [store, env] of [
    ['memory', { PUSHWIRE_REGISTRY_STORE: 'memory' }],
    [
      'dynamodb',
      {
        PUSHWIRE_REGISTRY_STORE: 'dynamodb',
        DYNAMODB_ENDPOINT: endpoint,
        PUSHWIRE_REGISTRY_TABLE: table,
        PUSHWIRE_REGISTRY_CREATE_TABLES: 'true',
        ...aws,
      },
    ],
  ] as const) {
    const service = await startRegistry(SERVICE_TOKEN, env);
    // SIGTERM, then SIGKILL when it has not exited within 5 s.
    bench.onCleanup(async () => void (await service.process.stop('SIGTERM', 5000)));
    const pool = new Pool(`http://127.0.0.1:${service.port}`, { connections: opts.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
    bench.onCleanup(() => pool.close());
    targets.push({ store, service, pool });
    log(`registry (${store}) listening on 127.0.0.1:${service.port}`);
  }
  const ids = new Map<Target, DeviceRef[]>();
  for (const target of targets) ids.set(target, await seed(target, opts.devices));

  const results: CaseResult[] = [];
  for (const kase of ['single', 'batch'] as const) {
    for (const target of targets) {
      log(`${target.store} ${kase}: ${WARMUP_MS} ms warm-up, then ${opts.seconds} s…`);
      const pid = target.store === 'dynamodb' ? dynamodbPid : undefined;
      await drive(target, kase, ids.get(target)!, opts, WARMUP_MS, pid);
      results.push(await drive(target, kase, ids.get(target)!, opts, opts.seconds * 1000, pid));
      // No table from a cut-short run: the signal handler cleans up and exits.
      if (bench.interrupted) return;
    }
  }

  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  const perSecond = (r: CaseResult) => r.ok / r.seconds;
  const lookups = (r: CaseResult) => perSecond(r) * (r.kase === 'batch' ? opts.batch : 1);
  console.log(
    `\nRegistry lookups through HTTP: ${n(opts.devices)} devices on one edge per store, ${opts.concurrency} requests in flight, ${opts.seconds} s per case after ${WARMUP_MS / 1000} s warm-up, batches of ${opts.batch}; machine: ${os.cpus().length} cores, load average ${loadBefore.toFixed(2)} before the run`,
  );
  console.log('| store | case | requests/s | device lookups/s | p50 ms | p99 ms | errors |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.store} | ${r.kase === 'batch' ? `batch of ${opts.batch}` : 'single'} | ${n(perSecond(r))} | ${n(lookups(r))} | ${ms(percentile(r.latenciesMs, 0.5))} | ${ms(percentile(r.latenciesMs, 0.99))} | ${r.errors} |`,
    );
  }
  const ratio = (kase: Case) => {
    const [m, d] = (['memory', 'dynamodb'] as const).map((store) => results.find((r) => r.store === store && r.kase === kase)!);
    return `${kase} ${(lookups(m!) / lookups(d!)).toFixed(1)}× the lookups/s at ${(percentile(m!.latenciesMs, 0.5) / percentile(d!.latenciesMs, 0.5)).toFixed(2)}× the p50`;
  };
  console.log(`\nmemory/dynamodb: ${ratio('single')}; ${ratio('batch')}`);
  const pct = (x: number) => `${Math.round(x)}%`;
  console.log(
    `CPU during each case, % of one core (client / registry${dynamodbPid ? ' / DynamoDB Local' : ''}): ${results
      .map(
        (r) =>
          `${r.store} ${r.kase} ${pct(r.cpu.client)} / ${pct(r.cpu.registry)}${r.cpu.dynamodb === undefined ? '' : ` / ${pct(r.cpu.dynamodb)}`}`,
      )
      .join('; ')}`,
  );

  const failed = results.filter((r) => r.errors > 0);
  if (failed.length) {
    throw new BenchFailure(
      `${failed.reduce((sum, r) => sum + r.errors, 0)} requests failed (${failed.map((r) => `${r.store} ${r.kase}: ${r.errors}`).join(', ')}); first: ${failed[0]!.firstError}`,
    );
  }
}

bench.run(main);
