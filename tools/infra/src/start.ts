import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_ROOT_DIR, DYNAMODB_LOCAL, infraPaths, KAFKA } from './components';
import { startDynamoLocal } from './dynamodb';
import { InfraError } from './errors';
import { ensureJars } from './fetch';
import { startKafka } from './kafka';
import { freePorts } from './ports';
import { requireJava, whichOnPath, type Which } from './prerequisites';
import type { StartedProcess } from './processes';
import { reapStaleRuns, stopRun, writeRunState, type RunState } from './state';

/** What to start and where. Every field is optional. */
export interface StartInfraOptions {
  /** Start a Kafka broker. Default true. */
  kafka?: boolean;
  /** Start DynamoDB Local. Default true. */
  dynamodb?: boolean;
  /** DynamoDB Local's port. Default: a free one. Set it to start DynamoDB Local again where it was. */
  dynamodbPort?: number;
  /** Keep DynamoDB Local's data in this folder (kept across restarts) instead of in memory. */
  dynamodbDbPath?: string;
  /** Repository root holding `.pushwire/`. Default: the checkout this file is in. */
  rootDir?: string;
  /** Progress lines (fetching, started, stopping). Default: silent. */
  log?: (msg: string) => void;
  /** Per-process readiness deadline. Default 90 000 ms. */
  readyTimeoutMs?: number;
  /**
   * Mark the run as meant to outlive this process (`up` does). Non-persistent runs whose starter
   * died are stopped by the next `startInfra` in the same checkout.
   */
  persistent?: boolean;
  /** PATH lookup, injectable for tests. */
  which?: Which;
}

/** How long each step took, in milliseconds; `fetch*` only when jars were fetched this time. */
export interface InfraTimings {
  fetchKafkaMs?: number;
  fetchDynamodbMs?: number;
  kafkaReadyMs?: number;
  dynamodbReadyMs?: number;
  totalMs: number;
}

/** Running Kafka and/or DynamoDB Local, and the one way to stop exactly them. */
export interface RunningInfra {
  /** `127.0.0.1:<port>`, when Kafka was started. */
  readonly kafkaBrokers?: string;
  /** `http://127.0.0.1:<port>`, when DynamoDB Local was started. */
  readonly dynamodbEndpoint?: string;
  /** The pids, run folder and log files. */
  readonly state: RunState;
  readonly timings: InfraTimings;
  /** SIGTERM each started process, SIGKILL after 15 s, remove the run folder. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Fetches the jars if missing, starts the requested services on free loopback ports in a fresh
 * run folder (`.pushwire/run/<id>/`) and resolves once each answers a client. On any failure,
 * what was already started is stopped before the error is thrown.
 */
export async function startInfra(opts: StartInfraOptions = {}): Promise<RunningInfra> {
  const started = Date.now();
  const wantKafka = opts.kafka ?? true;
  const wantDynamo = opts.dynamodb ?? true;
  if (!wantKafka && !wantDynamo) throw new InfraError('startInfra: nothing to start (kafka and dynamodb are both false)');
  const which = opts.which ?? whichOnPath;
  const log = opts.log;
  const paths = infraPaths(opts.rootDir ?? DEFAULT_ROOT_DIR);

  const java = requireJava(which);
  await reapStaleRuns(paths.runs, log);
  const timings: InfraTimings = { totalMs: 0 };
  // One fetch at a time: two Maven processes writing one ~/.m2 can corrupt it, and there are 2 cores.
  const kafkaJars = wantKafka ? await ensureJars(KAFKA, { jarsDir: paths.jars, log, which }) : undefined;
  const dynamoJars = wantDynamo ? await ensureJars(DYNAMODB_LOCAL, { jarsDir: paths.jars, log, which }) : undefined;
  timings.fetchKafkaMs = kafkaJars?.fetchedMs;
  timings.fetchDynamodbMs = dynamoJars?.fetchedMs;

  const runId = `${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const runDir = path.join(paths.runs, runId);
  mkdirSync(runDir, { recursive: true });
  const state: RunState = {
    version: 1,
    runId,
    runDir,
    ownerPid: process.pid,
    persistent: opts.persistent ?? false,
    startedAt: new Date().toISOString(),
  };
  writeRunState(state);
  const record = (key: 'kafka' | 'dynamodb') => (proc: StartedProcess) => {
    state[key] = { ...proc, startedAt: new Date().toISOString() };
    writeRunState(state);
  };

  const [brokerPort, controllerPort, freeDynamoPort] = await freePorts(3);
  const dynamoPort = opts.dynamodbPort ?? freeDynamoPort;
  // Both JVMs start in parallel: each is mostly waiting on its own class loading.
  const [kafka, dynamo] = await Promise.allSettled([
    wantKafka && kafkaJars
      ? startKafka({
          java,
          jarsDir: kafkaJars.dir,
          runDir,
          ports: { broker: brokerPort, controller: controllerPort },
          timeoutMs: opts.readyTimeoutMs,
          onSpawn: record('kafka'),
        })
      : undefined,
    wantDynamo && dynamoJars
      ? startDynamoLocal({
          java,
          jarsDir: dynamoJars.dir,
          runDir,
          port: dynamoPort,
          dbPath: opts.dynamodbDbPath,
          timeoutMs: opts.readyTimeoutMs,
          onSpawn: record('dynamodb'),
        })
      : undefined,
  ]);
  const failures = [kafka, dynamo].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (failures.length) {
    await stopRun(state, log).catch((error: unknown) => log?.(`cleanup after a failed start also failed: ${String(error)}`));
    rmSync(runDir, { recursive: true, force: true });
    throw failures.length === 1
      ? failures[0]
      : new AggregateError(failures, failures.map((f) => (f instanceof Error ? f.message : String(f))).join('\n\n'));
  }
  const k = kafka.status === 'fulfilled' ? kafka.value : undefined;
  const d = dynamo.status === 'fulfilled' ? dynamo.value : undefined;
  if (k && state.kafka) state.kafka = { ...state.kafka, brokers: k.brokers, serverLog: k.serverLog };
  if (d && state.dynamodb) state.dynamodb = { ...state.dynamodb, endpoint: d.endpoint };
  writeRunState(state);
  timings.kafkaReadyMs = k?.readyMs;
  timings.dynamodbReadyMs = d?.readyMs;
  timings.totalMs = Date.now() - started;
  log?.(
    [
      k && `kafka ${k.brokers} ready in ${(k.readyMs / 1000).toFixed(1)} s`,
      d && `dynamodb-local ${d.endpoint} ready in ${(d.readyMs / 1000).toFixed(1)} s`,
    ]
      .filter(Boolean)
      .join('; '),
  );

  let stopping: Promise<void> | undefined;
  return {
    kafkaBrokers: k?.brokers,
    dynamodbEndpoint: d?.endpoint,
    state,
    timings,
    stop: () => (stopping ??= stopRun(state, log)),
  };
}
