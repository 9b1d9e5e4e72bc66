import { EDGE_NODE_FLAGS } from '@pushwire/edge';
import { LOCAL_AWS_ENV } from '@pushwire/infra';
import { DEV_DEFAULTS } from '@pushwire/service-kit';
import { ServiceProcess, type OutputSink } from './service-process';

/** Ports of one edge: devices connect to `device`, senders deliver on `internal`. */
export interface EdgePorts {
  readonly device: number;
  readonly internal: number;
}

/** Where the cluster's services listen. */
export interface ClusterPorts {
  readonly registry: number;
  readonly processor: number;
  readonly deviceList: number;
  readonly edges: readonly EdgePorts[];
}

/** The ports `npm run start:cluster` uses: edge 1 on the all-in-one's ports, edge 2 beside it. */
export const DEFAULT_CLUSTER_PORTS: ClusterPorts = {
  registry: 8082,
  processor: 8083,
  deviceList: 8084,
  edges: [
    { device: 8080, internal: 8081 },
    { device: 9080, internal: 9081 },
  ],
};

export interface ClusterOptions {
  /** DynamoDB the registry stores its table in (DynamoDB Local or AWS). */
  readonly dynamodbEndpoint: string;
  /** Kafka bootstrap brokers (host:port,…) of the message processor. */
  readonly kafkaBrokers: string;
  readonly ports?: ClusterPorts;
  /** The registry's table. Default pushwire-registry. */
  readonly table?: string;
  /** The registry's inbox table (stored messages). Default pushwire-inbox. */
  readonly inboxTable?: string;
  /** The device list's table. Default pushwire-device-list. */
  readonly deviceListTable?: string;
  /**
   * Service tokens by role, comma-separated (the first of each is the one presented). Default: the
   * development ones, so `pushctl` works unchanged. Every service is started with both lists.
   */
  readonly senderTokens?: string;
  readonly edgeTokens?: string;
  /** The device-token secret. Default: the development one. */
  readonly jwtSecret?: string;
  /** Extra env for every edge (e.g. a short PUSHWIRE_EDGE_LEASE_TTL_SECONDS in tests). */
  readonly edgeEnv?: Record<string, string>;
  readonly registryEnv?: Record<string, string>;
  readonly processorEnv?: Record<string, string>;
  readonly deviceListEnv?: Record<string, string>;
  /** Where service output goes. Default: dropped. */
  readonly output?: OutputSink;
}

/** One edge of the cluster and the URLs to reach it. */
export interface ClusterEdge {
  readonly id: string;
  /** `http://127.0.0.1:<device port>`: the device SDK and pushctl's `--edge`. */
  readonly deviceUrl: string;
  /** `http://127.0.0.1:<internal port>`: POST /v1/deliver, /metrics. */
  readonly internalUrl: string;
  readonly process: ServiceProcess;
}

/** A running cluster: registry and device list on DynamoDB, N edges, the message processor, each its own process. */
export interface Cluster {
  readonly registryUrl: string;
  /** The device list's HTTP API (GET /v1/accounts/:id/devices, /metrics). */
  readonly deviceListUrl: string;
  readonly deviceList: ServiceProcess;
  /** The message processor's HTTP API (POST /v1/push-requests, GET /v1/outcomes, /metrics). */
  readonly processorUrl: string;
  readonly kafkaBrokers: string;
  readonly processor: ServiceProcess;
  /** The token a sender presents (the first sender token): lookups, deliver, enqueue, device-list reads. */
  readonly serviceToken: string;
  /** The token an edge presents (the first edge token): route and lease writes, notices. */
  readonly edgeToken: string;
  readonly jwtSecret: string;
  readonly registry: ServiceProcess;
  readonly edges: readonly ClusterEdge[];
  /** Stops the processor (it finishes in-flight messages), the edges (they deregister and release their leases), the device list, then the registry. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * Starts the registry (DynamoDB store), the device list (DynamoDB, Kafka; it creates the
 * connection-events topic), then every edge and the message processor (Kafka), as separate
 * processes, and resolves once each answers its readiness probe.
 * On a failed start, whatever already runs is stopped before the error is thrown.
 */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const ports = opts.ports ?? DEFAULT_CLUSTER_PORTS;
  const senderTokens = opts.senderTokens ?? DEV_DEFAULTS.serviceToken;
  const edgeTokens = opts.edgeTokens ?? DEV_DEFAULTS.edgeToken;
  // Each service takes the role lists; an inherited PUSHWIRE_SERVICE_TOKEN would conflict with them.
  const tokenEnv = { PUSHWIRE_SENDER_TOKENS: senderTokens, PUSHWIRE_EDGE_TOKENS: edgeTokens, PUSHWIRE_SERVICE_TOKEN: '' };
  const jwtSecret = opts.jwtSecret ?? DEV_DEFAULTS.jwtSecret;
  const registryUrl = `http://${HOST}:${ports.registry}`;
  const deviceListUrl = `http://${HOST}:${ports.deviceList}`;
  const env = process.env;
  const awsEnv = {
    AWS_REGION: env.AWS_REGION ?? LOCAL_AWS_ENV.AWS_REGION,
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
    // The SDK warns on every start that its 2027 releases will need Node 22; we pin the SDK.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
  };
  const registry = new ServiceProcess(
    {
      name: 'registry',
      main: 'apps/registry/src/main.ts',
      readyUrl: `${registryUrl}/readyz`,
      env: {
        PUSHWIRE_REGISTRY_HOST: HOST,
        PUSHWIRE_REGISTRY_PORT: String(ports.registry),
        ...tokenEnv,
        PUSHWIRE_REGISTRY_STORE: 'dynamodb',
        DYNAMODB_ENDPOINT: opts.dynamodbEndpoint,
        PUSHWIRE_REGISTRY_TABLE: opts.table ?? 'pushwire-registry',
        PUSHWIRE_INBOX_TABLE: opts.inboxTable ?? 'pushwire-inbox',
        ...awsEnv,
        ...opts.registryEnv,
      },
    },
    opts.output,
  );
  const deviceList = new ServiceProcess(
    {
      name: 'device-list',
      main: 'apps/device-list/src/main.ts',
      readyUrl: `${deviceListUrl}/readyz`,
      env: {
        PUSHWIRE_DEVICE_LIST_HOST: HOST,
        PUSHWIRE_DEVICE_LIST_PORT: String(ports.deviceList),
        ...tokenEnv,
        PUSHWIRE_REGISTRY_URL: registryUrl,
        KAFKA_BROKERS: opts.kafkaBrokers,
        PUSHWIRE_DEVICE_LIST_STORE: 'dynamodb',
        DYNAMODB_ENDPOINT: opts.dynamodbEndpoint,
        PUSHWIRE_DEVICE_LIST_TABLE: opts.deviceListTable ?? 'pushwire-device-list',
        ...awsEnv,
        ...opts.deviceListEnv,
      },
    },
    opts.output,
  );
  const edges: ClusterEdge[] = ports.edges.map((p, i) => {
    const id = `edge-${i + 1}`;
    const internalUrl = `http://${HOST}:${p.internal}`;
    const process = new ServiceProcess(
      {
        name: id,
        main: 'apps/push-edge/src/main.ts',
        nodeFlags: EDGE_NODE_FLAGS,
        readyUrl: `${internalUrl}/readyz`,
        env: {
          PUSHWIRE_EDGE_ID: id,
          PUSHWIRE_EDGE_HOST: HOST,
          PUSHWIRE_EDGE_INTERNAL_HOST: HOST,
          PUSHWIRE_EDGE_PORT: String(p.device),
          PUSHWIRE_EDGE_INTERNAL_PORT: String(p.internal),
          PUSHWIRE_EDGE_INTERNAL_URL: internalUrl,
          PUSHWIRE_REGISTRY_URL: registryUrl,
          ...tokenEnv,
          PUSHWIRE_JWT_SECRET: jwtSecret,
          PUSHWIRE_DEVICE_LIST_URL: deviceListUrl,
          KAFKA_BROKERS: opts.kafkaBrokers,
          ...opts.edgeEnv,
        },
      },
      opts.output,
    );
    return { id, deviceUrl: `http://${HOST}:${p.device}`, internalUrl, process };
  });

  const processorUrl = `http://${HOST}:${ports.processor}`;
  const processor = new ServiceProcess(
    {
      name: 'processor',
      main: 'apps/message-processor/src/main.ts',
      readyUrl: `${processorUrl}/readyz`,
      env: {
        PUSHWIRE_PROCESSOR_HOST: HOST,
        PUSHWIRE_PROCESSOR_PORT: String(ports.processor),
        KAFKA_BROKERS: opts.kafkaBrokers,
        PUSHWIRE_REGISTRY_URL: registryUrl,
        ...tokenEnv,
        ...opts.processorEnv,
      },
    },
    opts.output,
  );

  const all = [registry, deviceList, ...edges.map((e) => e.process), processor];
  const stop = async () => {
    await processor.stop('SIGTERM');
    await Promise.all(edges.map((e) => e.process.stop('SIGTERM')));
    await deviceList.stop('SIGTERM');
    await registry.stop('SIGTERM');
  };
  try {
    await registry.start();
    await deviceList.start();
    await Promise.all([...edges.map((e) => e.process.start()), processor.start()]);
  } catch (error) {
    await Promise.all(all.map((p) => p.stop('SIGKILL')));
    throw error;
  }
  return {
    registryUrl,
    deviceListUrl,
    deviceList,
    processorUrl,
    kafkaBrokers: opts.kafkaBrokers,
    serviceToken: firstOf(senderTokens),
    edgeToken: firstOf(edgeTokens),
    jwtSecret,
    registry,
    processor,
    edges,
    stop,
  };
}

/** The first token of a comma-separated list: the one a service presents. */
const firstOf = (list: string): string => list.split(',')[0]!.trim();
