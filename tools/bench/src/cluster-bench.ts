/**
 * What a bench that runs a whole cluster (tools/cluster's startCluster) needs around it: Kafka and
 * DynamoDB Local of a running `infra:up` (else started for the run and stopped at the end), a free
 * port for every service, per-run tables dropped at the end, consumer groups of the run's own that
 * skip the shared topics' history, CPU time per process, and the commit under test.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_CLUSTER_PORTS, type ClusterPorts } from '@pushwire/cluster';
import { freePorts, LOCAL_AWS_ENV, readInfraEnv, startInfra } from '@pushwire/infra';
import { BenchFailure, isLoopback, type BenchRun } from './bench-run';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const CLOCK_TICKS_PER_SECOND = 100;

/** Kafka and DynamoDB Local for a bench, and whether they were an `infra:up`'s (else started for the run). */
export interface BenchInfra {
  kafkaBrokers: string;
  dynamodbEndpoint: string;
  reused: { kafka: boolean; dynamodb: boolean };
}

/** `infra status` says an `infra:up` runs: its endpoints from .pushwire/infra.env, else none. */
export async function runningInfraEnv(): Promise<Record<string, string> | undefined> {
  const cli = path.join(REPO_ROOT, 'tools/infra/src/cli.ts');
  try {
    await promisify(execFile)(process.execPath, ['--require', require.resolve('tsx/cjs'), cli, 'status'], {
      cwd: REPO_ROOT,
      timeout: 30_000,
    });
  } catch {
    return undefined; // exit 1: nothing up, or something of it died
  }
  return readInfraEnv(REPO_ROOT);
}

/**
 * Those of a running `infra:up`, else started with @pushwire/infra (Java 17+) and stopped when the
 * bench cleans up. Loopback only: anything else is a BenchFailure.
 */
export async function benchInfra(bench: BenchRun, log: (msg: string) => void): Promise<BenchInfra> {
  // Infra named in the environment (a shared Kafka and DynamoDB Local, as `export $(cat infra.env)` sets) wins.
  const given = process.env.KAFKA_BROKERS && process.env.DYNAMODB_ENDPOINT ? process.env : undefined;
  const up = given ?? (await runningInfraEnv());
  let kafkaBrokers = up?.KAFKA_BROKERS;
  let dynamodbEndpoint = up?.DYNAMODB_ENDPOINT;
  const reused = { kafka: !!kafkaBrokers, dynamodb: !!dynamodbEndpoint };
  if (!kafkaBrokers || !dynamodbEndpoint) {
    log(`starting ${[!kafkaBrokers && 'Kafka', !dynamodbEndpoint && 'DynamoDB Local'].filter(Boolean).join(' and ')} (@pushwire/infra)…`);
    const infra = await startInfra({ kafka: !kafkaBrokers, dynamodb: !dynamodbEndpoint, log });
    bench.onCleanup(() => infra.stop());
    kafkaBrokers ??= infra.kafkaBrokers!;
    dynamodbEndpoint ??= infra.dynamodbEndpoint!;
  }
  log(
    `Kafka ${kafkaBrokers} (${reused.kafka ? 'infra:up' : 'started for this run'}), DynamoDB Local ${dynamodbEndpoint} (${reused.dynamodb ? 'infra:up' : 'started for this run'})`,
  );
  for (const endpoint of [...kafkaBrokers.split(','), dynamodbEndpoint]) {
    if (!isLoopback(endpoint)) throw new BenchFailure(`${endpoint} is not a loopback address: this bench only talks to 127.0.0.1`);
  }
  return { kafkaBrokers, dynamodbEndpoint, reused };
}

/** Deletes `tables` from DynamoDB at clean-up (a shared DynamoDB Local keeps them otherwise). */
export function dropTablesAtCleanup(bench: BenchRun, dynamodbEndpoint: string, tables: readonly string[]): void {
  bench.onCleanup(async () => {
    const ddb = new DynamoDBClient({
      endpoint: dynamodbEndpoint,
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
    });
    try {
      for (const table of tables) {
        try {
          await ddb.send(new DeleteTableCommand({ TableName: table }));
        } catch (e) {
          if ((e as Error).name !== 'ResourceNotFoundException') throw e;
        }
      }
    } finally {
      ddb.destroy();
    }
  });
}

/** Every port of the cluster's default layout (each of its services, two edges) replaced by a free one. */
export async function freeClusterPorts(): Promise<ClusterPorts> {
  const { edges, ...services } = DEFAULT_CLUSTER_PORTS;
  const free = await freePorts(Object.keys(services).length + 2 * edges.length);
  const next = () => free.pop()!;
  const freeServices = Object.fromEntries(Object.keys(services).map((name) => [name, next()])) as typeof services;
  return { ...freeServices, edges: edges.map(() => ({ device: next(), internal: next() })) };
}

/**
 * Commits offsets at the end of `topics` for a group that has never consumed, so that a service in
 * that group starts with new records only, not the shared broker's history (a new group otherwise
 * reads from the beginning). Returns how many records it skipped.
 */
export async function skipHistory(brokers: string, groupId: string, topics: readonly string[]): Promise<number> {
  const admin = new Kafka({ clientId: groupId, brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    let skipped = 0;
    for (const topic of topics) {
      if (!existing.has(topic)) continue;
      const offsets = await admin.fetchTopicOffsets(topic);
      const records = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
      if (records === 0) continue;
      await admin.setOffsets({ groupId, topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })) });
      skipped += records;
    }
    return skipped;
  } finally {
    await admin.disconnect();
  }
}

/** user + system CPU seconds of a process so far, from /proc (NaN when it is gone). */
export function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return NaN;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5), utime and stime; `fields` starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU seconds (user + system) of a process's threads, from /proc/<pid>/task/<tid>/schedstat: at
 * nanosecond resolution, where cpuSeconds counts 10 ms ticks (too coarse for a window of a few tens
 * of ms). Threads that ended between two readings drop out, so use it over windows in which the
 * process keeps its threads (a server's). NaN when the process is gone.
 */
export function threadsCpuSeconds(pid: number): number {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return NaN;
  }
  let ns = 0;
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1e9;
}

/** The commit the code under test is at, and whether the tree has uncommitted changes. */
export async function gitCommit(): Promise<{ commit: string; dirty: boolean }> {
  const git = (...args: string[]) =>
    promisify(execFile)('git', args, { cwd: REPO_ROOT }).then(
      (r) => r.stdout.trim(),
      () => '',
    );
  const [commit, status] = await Promise.all([git('rev-parse', 'HEAD'), git('status', '--porcelain')]);
  return { commit: commit || 'unknown', dirty: status !== '' };
}
