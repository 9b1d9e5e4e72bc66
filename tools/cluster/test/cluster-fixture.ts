import { randomUUID } from 'node:crypto';
import { mintDeviceToken } from '@pushwire/auth';
import { DeviceClient } from '@pushwire/device-client';
import { freePorts } from '@pushwire/infra';
import { kafkaBrokersFromEnv } from '@pushwire/infra/testing';
import { startCluster, type Cluster, type ClusterPorts } from '../src';

/** Edge lease in the cluster tests: short, so a killed edge's devices stop resolving quickly. */
export const TEST_LEASE_TTL_SECONDS = 3;

/** Fresh loopback ports for a registry and `edges` edges. */
export async function clusterPorts(edges = 2): Promise<ClusterPorts> {
  const [registry, processor, deviceList, ...rest] = await freePorts(3 + 2 * edges);
  return {
    registry: registry!,
    processor: processor!,
    deviceList: deviceList!,
    edges: Array.from({ length: edges }, (_, i) => ({ device: rest[2 * i]!, internal: rest[2 * i + 1]! })),
  };
}

/**
 * A cluster on `dynamodbEndpoint` with its own table, short leases, and output kept for failures.
 * `env` goes to every service (e.g. the OTEL_* variables of the tracing test).
 */
export async function startTestCluster(
  dynamodbEndpoint: string,
  ports?: ClusterPorts,
  processorEnv: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<Cluster> {
  const run = randomUUID().slice(0, 8);
  return startCluster({
    dynamodbEndpoint,
    kafkaBrokers: kafkaBrokersFromEnv().join(','),
    ports: ports ?? (await clusterPorts()),
    table: `pushwire-test-${run}`,
    inboxTable: `pushwire-test-inbox-${run}`,
    deviceListTable: `pushwire-test-devices-${run}`,
    // A group of its own per cluster too, starting at the newest events: the topic is shared.
    deviceListEnv: {
      PUSHWIRE_LOG_LEVEL: 'warn',
      PUSHWIRE_DEVICE_LIST_GROUP_ID: `pushwire-test-devices-${run}`,
      PUSHWIRE_DEVICE_LIST_SWEEP_MS: '250',
      PUSHWIRE_DEVICE_LIST_FROM_BEGINNING: 'false',
      ...env,
    },
    edgeEnv: {
      PUSHWIRE_EDGE_LEASE_TTL_SECONDS: String(TEST_LEASE_TTL_SECONDS),
      PUSHWIRE_EDGE_DRAIN_SECONDS: '0',
      PUSHWIRE_LOG_LEVEL: 'warn',
      ...env,
    },
    registryEnv: { PUSHWIRE_LOG_LEVEL: 'warn', ...env },
    // A group of its own per cluster: the topics are shared by every test run on this broker.
    processorEnv: { PUSHWIRE_LOG_LEVEL: 'warn', PUSHWIRE_PROCESSOR_GROUP_ID: `pushwire-test-${run}`, ...env, ...processorEnv },
    output: (service, line) => {
      if (process.env.PUSHWIRE_TEST_VERBOSE) process.stderr.write(`[${service}] ${line}\n`);
    },
  });
}

/** A device SDK client of `account` connected to `edgeUrl` (no auto-reconnect: tests move devices). */
export async function connectDevice(
  cluster: Cluster,
  edgeUrl: string,
  account: string,
  deviceId: string,
  deviceType = 'tv',
): Promise<{ client: DeviceClient; connectionId: string }> {
  const token = await mintDeviceToken({ secret: cluster.jwtSecret, accountId: account, deviceId, deviceType });
  const client = new DeviceClient({ url: edgeUrl, token, reconnect: { enabled: false } });
  const welcome = await client.connect();
  return { client, connectionId: welcome.connectionId };
}

/** GET /v1/accounts/:accountId/registrations/:deviceId on the registry: the status and JSON body. */
export async function registryGet(cluster: Cluster, accountId: string, deviceId: string): Promise<{ status: number; body: any }> {
  const res = await fetch(
    `${cluster.registryUrl}/v1/accounts/${encodeURIComponent(accountId)}/registrations/${encodeURIComponent(deviceId)}`,
    {
      headers: { authorization: `Bearer ${cluster.serviceToken}` },
      signal: AbortSignal.timeout(10_000),
    },
  );
  return { status: res.status, body: await res.json() };
}

/**
 * How the cluster specs poll with waitFor: every 100 ms (each check is an HTTP call, often a
 * DynamoDB read), and a check that throws counts as "not yet" (a service may be restarting, killed
 * or cut off from its store on purpose); the last error is the cause if the wait times out.
 */
export const CLUSTER_POLL = { intervalMs: 100, retryErrors: true } as const;

/**
 * A counter's value from a service's /metrics, summed over the series whose labels include `label`
 * (e.g. `status="gone"`; every series also carries the service's default labels), 0 when absent.
 */
export async function metricValue(url: string, name: string, label: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (l) =>
        l.startsWith(`${name}{`) &&
        l
          .slice(0, l.indexOf('}'))
          .split(',')
          .some((pair) => pair.replace(/^.*\{/, '') === label),
    )
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}
