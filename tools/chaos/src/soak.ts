import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as abortableDelay } from 'node:timers/promises';
import { startCluster, type Cluster } from '@pushwire/cluster';
import { KafkaEventBus } from '@pushwire/event-bus';
import { freePorts } from '@pushwire/infra';
import { PushClient } from '@pushwire/push-client';
import { HttpRegistryClient } from '@pushwire/registry-client';
import type { logCreator } from 'kafkajs';
import { ChaosInfra } from './chaos-infra';
import { FAULT_DESCRIPTIONS, injectFault, type FaultWindow } from './faults';
import { Fleet, waitUntilRoutable } from './fleet';
import { Ledger } from './ledger';
import { OutcomeFollower } from './outcomes';
import { Prober } from './prober';
import type { ChaosProfile, FaultName } from './profiles';
import { isAccepted, summarize, type Summary } from './report';
import { Traffic } from './traffic';

/** One fault's figures in the report. */
export interface FaultFigures {
  readonly name: FaultName;
  readonly description: string;
  /** Fault injected → its cause undone (process started again, store or broker back). */
  readonly outageMs?: number;
  /** Cause undone → the restarted part ready. */
  readonly restartMs?: number;
  /** Cause undone → end of the first successful probe launched after it; absent: not within the budget. */
  readonly directRecoveryMs?: number;
  readonly queuedRecoveryMs?: number;
  /** Probes that failed from the injection until recovery. */
  readonly failedProbes: { readonly direct: number; readonly queued: number };
  readonly error?: string;
}

export interface SoakResult {
  readonly profile: ChaosProfile;
  readonly runId: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly summary: Summary;
  readonly faults: FaultFigures[];
  /** Whether the devices were given both edge URLs (the SDK takes a list) or their preferred one only. */
  readonly reconnects: number;
  /** The machine: CPUs, and the 1-minute load average when the traffic started and when it ended (shared hosts skew every figure). */
  readonly host: { readonly cpus: number; readonly loadAverage: readonly [number, number] };
  /** Devices (of the fleet and the two probes) the registry still did not resolve when traffic started (it waits up to 60 s). */
  readonly unroutableAtStart: number;
  readonly invalidOutcomes: number;
  readonly unknownReceipts: number;
  /** Messages handed to the sender, per path. */
  readonly offered: { readonly direct: number; readonly queued: number };
  /** Set when the run was cut short (deadline); the figures cover what ran. */
  readonly aborted?: string;
}

export interface SoakOptions {
  readonly profile: ChaosProfile;
  /** Repository root: the run keeps its service log and DynamoDB data under .pushwire/chaos/<run>. */
  readonly rootDir: string;
  readonly log: (msg: string) => void;
  /** Aborting ends the soak early (its cleanup still runs). */
  readonly signal: AbortSignal;
}

/** A direct send answered later than this is late: the registry lookup (≤ 5 s) plus the edge request (15 s). */
export const DIRECT_DEADLINE_MS = 20_000;

/**
 * The soak: its own Kafka and DynamoDB Local, the cluster, SDK devices on both edges, direct and
 * queued traffic, the faults one after another with recovery between, then a drain and the
 * figures. Every process it started is stopped before it resolves or rejects.
 */
export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const { profile, log, signal } = opts;
  const runId = randomUUID().slice(0, 8);
  const runDir = path.join(opts.rootDir, '.pushwire', 'chaos', runId);
  mkdirSync(runDir, { recursive: true });
  const serviceLog = createWriteStream(path.join(runDir, 'services.log'));
  // Services and kafkajs may still say something while the cleanup closes the file.
  const writeLog = (source: string, line: string) => {
    if (!serviceLog.writableEnded) serviceLog.write(`${new Date().toISOString()} [${source}] ${line}\n`);
  };
  const cleanup: Array<() => Promise<unknown>> = [];
  // The soak's own Kafka clients complain loudly while the broker is down on purpose: into the log file.
  const kafkaLog: logCreator =
    () =>
    ({ level, log: entry }) =>
      writeLog('chaos-kafkajs', `level=${level} ${entry.message}`);
  const sleep = (ms: number) => abortableDelay(Math.max(0, ms), undefined, { signal });
  let phase = 'setup';
  try {
    log(`run ${runId}: starting Kafka and DynamoDB Local (data in ${runDir})`);
    const infra = await ChaosInfra.start(path.join(runDir, 'dynamodb'), log);
    cleanup.push(() => infra.stop());
    const [registry, processor, deviceList, ...edgePorts] = await freePorts(7);
    log('starting the cluster: registry, device list, two edges, processor');
    const cluster = await startCluster({
      dynamodbEndpoint: infra.dynamodbEndpoint,
      kafkaBrokers: infra.kafkaBrokers,
      ports: {
        registry: registry!,
        processor: processor!,
        deviceList: deviceList!,
        edges: [0, 1].map((i) => ({ device: edgePorts[2 * i]!, internal: edgePorts[2 * i + 1]! })),
      },
      edgeEnv: { PUSHWIRE_LOG_LEVEL: 'warn', PUSHWIRE_EDGE_DRAIN_SECONDS: '2' },
      registryEnv: { PUSHWIRE_LOG_LEVEL: 'warn' },
      processorEnv: { PUSHWIRE_LOG_LEVEL: 'warn' },
      deviceListEnv: { PUSHWIRE_LOG_LEVEL: 'warn' },
      output: writeLog,
    });
    cleanup.push(() => killAll(cluster));

    const bus = new KafkaEventBus({ brokers: [infra.kafkaBrokers], clientId: 'pushwire-chaos-sender', logCreator: kafkaLog });
    cleanup.push(() => bus.close());
    const sender = new PushClient({ registryUrl: cluster.registryUrl, serviceToken: cluster.serviceToken, bus });
    cleanup.push(() => sender.close());

    const ledger = new Ledger();
    const outcomes = await OutcomeFollower.start(
      infra.kafkaBrokers,
      `pushwire-chaos-${runId}`,
      (o) => ledger.outcome(o.messageId, o.status, Date.now()),
      kafkaLog,
    );
    cleanup.push(() => outcomes.stop());

    const edgeUrls = cluster.edges.map((e) => e.deviceUrl);
    const common = { edgeUrls, jwtSecret: cluster.jwtSecret, reconnect: profile.reconnect };
    const fleet = new Fleet({
      ...common,
      accountId: `chaos-${runId}`,
      prefix: 'dev-',
      count: profile.devices,
      onPush: (id, device, at) => ledger.receipt(id, device, at),
      onFrame: (id, device) => ledger.frame(id, device),
    });
    cleanup.push(() => fleet.close());
    const probes = new Fleet({
      ...common,
      accountId: `chaos-probe-${runId}`,
      prefix: 'probe-',
      count: 2,
      onPush: (id) => prober.onPush(id),
    });
    cleanup.push(() => probes.close());
    // Pushes reach the probe devices only after they connect below, when `prober` exists.
    const prober = new Prober({
      sender,
      devices: probes.devices,
      runId,
      intervalMs: profile.probeIntervalMs,
      directWaitMs: 5_000,
      queuedWaitMs: 30_000,
    });
    log(`connecting ${profile.devices} devices over both edges (each given both URLs)`);
    await Promise.all([fleet.connectAll(50, 60_000), probes.connectAll(2, 60_000)]);
    const registryClient = new HttpRegistryClient({ baseUrl: cluster.registryUrl, serviceToken: cluster.serviceToken });
    let unroutableAtStart: number;
    try {
      const waitedAt = Date.now();
      unroutableAtStart = await waitUntilRoutable(registryClient, [...fleet.devices, ...probes.devices], 60_000);
      log(
        `${unroutableAtStart ? `${unroutableAtStart} devices still not routable` : 'every device routable'} after ${Date.now() - waitedAt} ms`,
      );
    } finally {
      await registryClient.close();
    }

    const startedAt = Date.now();
    const loadAtStart = os.loadavg()[0]!;
    const traffic = new Traffic(profile.traffic, { sender, fleet, ledger, runId, phase: () => phase });
    prober.start();
    traffic.start();
    // On the way out after a failure, stop sending without waiting for answers from a cluster about to be killed.
    cleanup.push(() => traffic.stop());
    cleanup.push(() => prober.stop());
    const faults: FaultFigures[] = [];
    let aborted: string | undefined;
    try {
      phase = 'warmup';
      log(
        `traffic: ${profile.traffic.directPerSecond}/s direct, ${profile.traffic.queuedPerSecond}/s queued; warm-up ${profile.warmupSeconds} s`,
      );
      await sleep(profile.warmupSeconds * 1000);
      for (const name of profile.faults) {
        phase = name;
        const figures = await runFault(name, { cluster, infra, profile, sleep }, prober, log);
        faults.push(figures);
        // A part that could not be brought back would make every later fault meaningless.
        if (figures.error) {
          log(`stopping the fault sequence: ${name} could not be undone`);
          break;
        }
        phase = 'steady';
        await sleep(profile.settleSeconds * 1000);
      }
    } catch (error) {
      if (!signal.aborted) throw error;
      aborted = String(signal.reason ?? 'aborted');
      log(`aborted: ${aborted}`);
    }
    phase = 'drain';
    log(aborted ? 'traffic stopped' : 'traffic stopped; waiting for what is still owed');
    // Aborted: no waiting for answers or deliveries; the figures cover what was answered so far.
    // A send is answered within DIRECT_DEADLINE_MS unless something is broken; the wait is bounded either way.
    await Promise.all([traffic.stop(aborted ? 0 : DIRECT_DEADLINE_MS + 10_000), prober.stop(aborted ? 0 : 35_000)]);
    await drain(ledger, profile.drainSeconds * 1000, signal);
    const endedAt = Date.now();
    const summary = summarize({ records: ledger.all(), endedAt, directDeadlineMs: DIRECT_DEADLINE_MS });
    // Every message's record, one JSON line each, to look a sample id up or count something new.
    writeFileSync(
      path.join(runDir, 'messages.jsonl'),
      ledger
        .all()
        .map((r) => JSON.stringify(r) + '\n')
        .join(''),
    );
    if (!aborted) {
      log('stopping the cluster');
      await cluster.stop();
    }
    return {
      profile,
      runId,
      startedAt,
      endedAt,
      summary,
      faults,
      reconnects: fleet.reconnects,
      unroutableAtStart,
      host: { cpus: os.cpus().length, loadAverage: [loadAtStart, os.loadavg()[0]!] },
      invalidOutcomes: outcomes.invalid,
      unknownReceipts: ledger.unknownReceipts,
      offered: traffic.counts(),
      ...(aborted ? { aborted } : {}),
    };
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => log(`cleanup: ${String(error)}`));
    serviceLog.end();
    rmSync(path.join(runDir, 'dynamodb'), { recursive: true, force: true });
  }
}

/** Injects one fault, then waits (within the budget) until a probe of each path succeeds again. */
async function runFault(
  name: FaultName,
  ctx: Parameters<typeof injectFault>[1],
  prober: Prober,
  log: (msg: string) => void,
): Promise<FaultFigures> {
  log(`fault ${name}: ${FAULT_DESCRIPTIONS[name]}`);
  const injectedAt = Date.now();
  let window: FaultWindow;
  try {
    window = await injectFault(name, ctx);
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    log(`fault ${name}: could not be undone: ${String(error)}`);
    return { name, description: FAULT_DESCRIPTIONS[name], failedProbes: { direct: 0, queued: 0 }, error: String(error) };
  }
  const budgetEnd = window.restoredAt + ctx.profile.recoveryBudgetSeconds * 1000;
  let direct: number | undefined;
  let queued: number | undefined;
  while (Date.now() < budgetEnd) {
    direct = prober.recoveredAfter(window.restoredAt, 'direct');
    queued = prober.recoveredAfter(window.restoredAt, 'queued');
    if (direct !== undefined && queued !== undefined) break;
    await ctx.sleep(200);
  }
  const recoveredAt = window.restoredAt + Math.max(direct ?? Infinity, queued ?? Infinity);
  const until = Number.isFinite(recoveredAt) ? recoveredAt : Date.now();
  const figures: FaultFigures = {
    name,
    description: FAULT_DESCRIPTIONS[name],
    outageMs: window.restoredAt - injectedAt,
    restartMs: window.readyAt - window.restoredAt,
    ...(direct !== undefined ? { directRecoveryMs: direct } : {}),
    ...(queued !== undefined ? { queuedRecoveryMs: queued } : {}),
    failedProbes: {
      direct: prober.failuresBetween(injectedAt, until, 'direct'),
      queued: prober.failuresBetween(injectedAt, until, 'queued'),
    },
  };
  const after = (v: number | undefined) => (v === undefined ? 'not within the budget' : `${v} ms`);
  log(`fault ${name}: recovered direct ${after(direct)}, queued ${after(queued)} after it was undone`);
  return figures;
}

/** Waits until every accepted message whose TTL still runs is at the app and every queued one has its final outcome, or `ms` passed. */
async function drain(ledger: Ledger, ms: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + ms;
  const owed = () =>
    ledger.all().filter((r) => {
      if (!isAccepted(r)) return false;
      if (r.appReceipts === 0 && r.sentAt + r.ttlSeconds * 1000 > Date.now()) return true;
      return r.path === 'queued' && !r.outcomes.some((o) => o.status !== 'stored');
    }).length;
  while (Date.now() < deadline && !signal.aborted && owed() > 0) await abortableDelay(500);
}

/** SIGKILL of every service still running (the cleanup path; the normal end stops them gracefully first). */
async function killAll(cluster: Cluster): Promise<void> {
  await Promise.all(
    [cluster.registry, cluster.deviceList, cluster.processor, ...cluster.edges.map((e) => e.process)].map((p) => p.stop('SIGKILL')),
  );
}
