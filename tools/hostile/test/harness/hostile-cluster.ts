import { randomBytes, randomUUID } from 'node:crypto';
import { mintDeviceToken } from '@pushwire/auth';
import { startCluster, type Cluster, type ClusterPorts, type ServiceProcess } from '@pushwire/cluster';
import { freePorts } from '@pushwire/infra';
import { dynamodbEndpointFromEnv, kafkaBrokersFromEnv } from '@pushwire/infra/testing';
import { rssBytes } from '../../src';
import { BYSTANDER_ACCOUNT, Bystander, type PushSender } from './bystander';
import { ServiceOutput } from './service-output';
import { warmUp } from './warm-up';

/**
 * Edge settings of the hostile cluster, shortened so the regressions fit the suite's time budget:
 * an ack wait of 1.5 s (item 1 waits one out), a 1 s close grace and a 200 ms sweep (item 4 waits
 * for a token to expire), and a lease of 5 s.
 */
export const HOSTILE_EDGE_ENV = {
  PUSHWIRE_ACK_TIMEOUT_MS: '1500',
  PUSHWIRE_CLIENT_CLOSE_GRACE_SECONDS: '1',
  PUSHWIRE_EDGE_SWEEP_INTERVAL_MS: '200',
  PUSHWIRE_EDGE_LEASE_TTL_SECONDS: '5',
  PUSHWIRE_EDGE_DRAIN_SECONDS: '0',
  PUSHWIRE_LOG_LEVEL: 'warn',
} as const;

/** How long a process may take to come back after a test brought it down. */
const RESTART_TIMEOUT_MS = 60_000;

/** The running cluster under attack, its bystanders, and what the invariants compare against. */
export interface Hostile {
  readonly cluster: Cluster;
  readonly ports: ClusterPorts;
  /** Registry, device list, both edges and the processor. */
  readonly services: readonly ServiceProcess[];
  readonly output: ServiceOutput;
  /** One normal device of another account on each edge. */
  readonly bystanders: readonly Bystander[];
  /** Enqueues a push on the processor (POST /v1/push-requests). */
  readonly sender: PushSender;
  /** Each service's RSS in bytes once it was ready (again, after a restart). */
  readonly baselineRss: Map<string, number>;
  /** Services the harness had to restart, with how each had ended; the suite reports them. */
  readonly restarts: string[];
  /** An HS256 device token signed with the cluster's secret. */
  token(accountId: string, deviceId: string, opts?: { ttlSeconds?: number; nowSeconds?: number; deviceType?: string }): Promise<string>;
  /** Restarts every service that is not running and reconnects the bystanders; returns what it restarted. */
  heal(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts the cluster with random secrets, its own tables and consumer groups, and connects the bystanders. */
export async function startHostileCluster(): Promise<Hostile> {
  const [registry, processor, deviceList, ...rest] = await freePorts(7);
  const ports: ClusterPorts = {
    registry: registry!,
    processor: processor!,
    deviceList: deviceList!,
    edges: [0, 1].map((i) => ({ device: rest[2 * i]!, internal: rest[2 * i + 1]! })),
  };
  const run = randomUUID().slice(0, 8);
  const output = new ServiceOutput();
  const cluster = await startCluster({
    dynamodbEndpoint: dynamodbEndpointFromEnv(),
    kafkaBrokers: kafkaBrokersFromEnv().join(','),
    ports,
    table: `pushwire-hostile-${run}`,
    deviceListTable: `pushwire-hostile-devices-${run}`,
    senderTokens: randomBytes(24).toString('base64url'),
    edgeTokens: randomBytes(24).toString('base64url'),
    jwtSecret: randomBytes(24).toString('base64url'),
    edgeEnv: HOSTILE_EDGE_ENV,
    registryEnv: { PUSHWIRE_LOG_LEVEL: 'warn' },
    deviceListEnv: {
      PUSHWIRE_LOG_LEVEL: 'warn',
      PUSHWIRE_DEVICE_LIST_GROUP_ID: `pushwire-hostile-devices-${run}`,
      PUSHWIRE_DEVICE_LIST_SWEEP_MS: '250',
      PUSHWIRE_DEVICE_LIST_FROM_BEGINNING: 'false',
    },
    processorEnv: { PUSHWIRE_LOG_LEVEL: 'warn', PUSHWIRE_PROCESSOR_GROUP_ID: `pushwire-hostile-${run}` },
    output: output.sink,
  });
  const services = [cluster.registry, cluster.deviceList, ...cluster.edges.map((e) => e.process), cluster.processor];
  const bystanders = cluster.edges.map((edge) => new Bystander(`by-${edge.id}`, edge, cluster.jwtSecret));
  const sender: PushSender = {
    enqueue: async (deviceId, messageId) => {
      const res = await fetch(`${cluster.processorUrl}/v1/push-requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cluster.serviceToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          target: { accountId: BYSTANDER_ACCOUNT, deviceId },
          message: { id: messageId, payload: { check: 'bystander' }, priority: 'high' },
        }),
        signal: AbortSignal.timeout(5000),
      });
      if (res.status !== 202) throw new Error(`enqueue for ${deviceId} answered ${res.status}: ${await res.text()}`);
    },
  };
  const baselineRss = new Map<string, number>();
  const restarts: string[] = [];
  const recordRss = (s: ServiceProcess) => baselineRss.set(s.name, rssBytes(s.pid!) ?? 0);
  services.forEach(recordRss);

  const heal = async (): Promise<string[]> => {
    const restarted: string[] = [];
    for (const s of services) {
      if (s.running) continue;
      const how = s.lastExit ? (s.lastExit.signal ?? `code ${s.lastExit.code}`) : 'unknown';
      restarted.push(`${s.name} (had ended: ${how})`);
      await Promise.race([
        s.start(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`${s.name} did not come back within ${RESTART_TIMEOUT_MS} ms`)), RESTART_TIMEOUT_MS).unref(),
        ),
      ]);
      recordRss(s);
    }
    await Promise.all(bystanders.map((b) => b.connect()));
    restarts.push(...restarted);
    return restarted;
  };

  try {
    await Promise.all(bystanders.map((b) => b.connect()));
    await Promise.all(bystanders.map((b) => warmUp(`a first push to ${b.deviceId}`, 3, () => b.receivesPush(sender, 10_000))));
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return {
    cluster,
    ports,
    services,
    output,
    bystanders,
    sender,
    baselineRss,
    restarts,
    token: (accountId, deviceId, opts = {}) =>
      mintDeviceToken({
        secret: cluster.jwtSecret,
        accountId,
        deviceId,
        deviceType: opts.deviceType ?? 'tv',
        ttlSeconds: opts.ttlSeconds,
        nowSeconds: opts.nowSeconds,
      }),
    heal,
    stop: async () => {
      bystanders.forEach((b) => b.close());
      await cluster.stop();
    },
  };
}
