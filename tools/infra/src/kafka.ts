import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { classpathOf, runJava, runMarkerArg } from './java';
import { LOOPBACK } from './ports';
import { spawnDetached, type StartedProcess } from './processes';
import { waitUntilReady } from './readiness';

/** The two ports a single-node KRaft broker needs: clients and the controller quorum. */
export interface KafkaPorts {
  readonly broker: number;
  readonly controller: number;
}

/**
 * server.properties for one node that is both broker and controller (KRaft, no ZooKeeper).
 * The replication-factor-1 settings matter: with the defaults (3) a single node cannot create
 * __consumer_offsets and consumers loop on "coordinator not available".
 */
export function renderServerProperties(ports: KafkaPorts, logDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${LOOPBACK}:${ports.controller}`,
    `listeners=PLAINTEXT://${LOOPBACK}:${ports.broker},CONTROLLER://${LOOPBACK}:${ports.controller}`,
    `advertised.listeners=PLAINTEXT://${LOOPBACK}:${ports.broker}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1', // 50 by default: each is a log to create at the first group join
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0', // 3 s by default: every test consumer would wait for it
    // Topics are created up front with the admin client; auto-created ones have tripped kafkajs consumers.
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

/** log4j 1.x configuration (reload4j) sending everything at INFO and above to one file. */
export function renderLog4jProperties(logFile: string): string {
  return [
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    `log4j.appender.file.File=${logFile}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    // The same quieting the release's config/log4j.properties applies.
    'log4j.logger.org.apache.kafka=INFO',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.state.change.logger=WARN',
    '',
  ].join('\n');
}

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding — what `StorageTool random-uuid`
 * prints (Kafka's Uuid), made here to save a JVM start (~0.7 s). Like Kafka, never starts with '-'.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** A running broker: its process and the bootstrap address for clients. */
export interface StartedKafka {
  readonly process: StartedProcess;
  readonly brokers: string;
  /** Kafka's own log (log4j), beside `process.logFile` (stdout/stderr). */
  readonly serverLog: string;
  /** From the start of storage formatting to the first successful listTopics. */
  readonly readyMs: number;
}

/**
 * Formats fresh storage in `<runDir>/kafka` and starts the broker detached; resolves once a kafkajs
 * admin client can list topics (the broker accepts clients and the metadata quorum works).
 */
export async function startKafka(opts: {
  java: string;
  jarsDir: string;
  runDir: string;
  ports: KafkaPorts;
  timeoutMs?: number;
  /** Called as soon as the broker process exists, before it is ready, so a crash can still find it. */
  onSpawn?: (proc: StartedProcess) => void;
}): Promise<StartedKafka> {
  const began = Date.now();
  const dir = path.join(opts.runDir, 'kafka');
  const logDir = path.join(dir, 'data');
  mkdirSync(logDir, { recursive: true });
  const serverProperties = path.join(dir, 'server.properties');
  const log4jProperties = path.join(dir, 'log4j.properties');
  const serverLog = path.join(dir, 'server.log');
  writeFileSync(serverProperties, renderServerProperties(opts.ports, logDir));
  writeFileSync(log4jProperties, renderLog4jProperties(serverLog));

  const cp = classpathOf(opts.jarsDir);
  const log4j = `-Dlog4j.configuration=file:${log4jProperties}`;
  await runJava(
    opts.java,
    ['-cp', cp, log4j, 'kafka.tools.StorageTool', 'format', '-t', newClusterId(), '-c', serverProperties, '--ignore-formatted'],
    dir,
  );

  const proc = spawnDetached(
    opts.java,
    ['-Xms256m', '-Xmx512m', runMarkerArg(opts.runDir), log4j, '-cp', cp, 'kafka.Kafka', serverProperties],
    { cwd: dir, logFile: path.join(dir, 'stdout.log'), marker: runMarkerArg(opts.runDir) },
  );
  opts.onSpawn?.(proc);
  const brokers = `${LOOPBACK}:${opts.ports.broker}`;
  await waitUntilReady({
    name: 'kafka',
    process: proc,
    probe: () => probeBroker(brokers),
    timeoutMs: opts.timeoutMs,
    detailLog: serverLog,
  });
  return { process: proc, brokers, serverLog, readyMs: Date.now() - began };
}

/**
 * Ready means ready for consumer groups, not just for metadata: the first group lookup makes the
 * broker create `__consumer_offsets` and load it, and a consumer that joins meanwhile crashes and
 * restarts with "The coordinator is loading" (kafkajs logs it as an error). Doing that lookup here
 * spares every test suite the noise and the restart. kafkajs' retries are off so the readiness loop
 * stays in charge of timing.
 */
export async function probeBroker(brokers: string): Promise<void> {
  const kafka = new Kafka({
    clientId: 'pushwire-infra-probe',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    // Rejects with KafkaJSProtocolError (e.g. COORDINATOR_LOAD_IN_PROGRESS) until the coordinator is up.
    await admin.describeGroups(['pushwire-infra-readiness']);
  } finally {
    await admin.disconnect();
  }
}
