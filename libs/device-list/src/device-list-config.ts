import {
  bool,
  ConfigError,
  int,
  loadServiceConfig,
  serviceTokenConfigSpec,
  str,
  url,
  type ConfigOf,
  type WithServiceTokens,
} from '@pushwire/service-kit';

export const DEVICE_LIST_STORES = ['memory', 'dynamodb'] as const;

/** The device-list service's configuration: every key beside its default. */
export const deviceListConfigSpec = {
  host: str({ env: 'PUSHWIRE_DEVICE_LIST_HOST', default: '0.0.0.0', description: 'Interface the device-list HTTP API listens on.' }),
  port: int({
    env: 'PUSHWIRE_DEVICE_LIST_PORT',
    default: 8084,
    min: 0,
    max: 65535,
    description: 'Port of the device-list HTTP API (0 picks a free port).',
  }),
  ...serviceTokenConfigSpec,
  registryUrl: url({
    env: 'PUSHWIRE_REGISTRY_URL',
    default: 'http://127.0.0.1:8082',
    description: 'Registry base URL (edge leases, for the crash sweep).',
  }),
  kafkaBrokers: str({ env: 'KAFKA_BROKERS', default: '', description: 'Kafka brokers host:port[,…]; required by the standalone service.' }),
  groupId: str({
    env: 'PUSHWIRE_DEVICE_LIST_GROUP_ID',
    default: 'pushwire-device-list',
    pattern: /^[A-Za-z0-9._-]{1,128}$/,
    description: 'Consumer group of the device-list replicas.',
  }),
  fromBeginning: bool({
    env: 'PUSHWIRE_DEVICE_LIST_FROM_BEGINNING',
    default: true,
    description:
      'A new consumer group reads pushwire.device-connections from its oldest record (true: builds the full list) or only new events (false: for throwaway test groups on a shared topic).',
  }),
  partitions: int({
    env: 'PUSHWIRE_TOPIC_PARTITIONS_DEVICE_CONNECTIONS',
    default: 6,
    min: 1,
    max: 10_000,
    description: 'Partitions pushwire.device-connections is created with.',
  }),
  sweepIntervalMs: int({
    env: 'PUSHWIRE_DEVICE_LIST_SWEEP_MS',
    default: 1000,
    min: 50,
    max: 600_000,
    description: "How often edges' leases are checked (a crashed edge's devices go offline within lease TTL + this).",
  }),
  store: str({
    env: 'PUSHWIRE_DEVICE_LIST_STORE',
    default: 'memory',
    oneOf: DEVICE_LIST_STORES,
    description: `Store: ${DEVICE_LIST_STORES.join(' | ')}.`,
  }),
  dynamodbEndpoint: url({
    env: 'DYNAMODB_ENDPOINT',
    default: '',
    description: 'DynamoDB endpoint URL, e.g. DynamoDB Local; unset for AWS.',
  }),
  awsRegion: str({
    env: 'AWS_REGION',
    default: '',
    pattern: /^[a-z0-9-]*$/,
    description: 'AWS region; required when PUSHWIRE_DEVICE_LIST_STORE=dynamodb.',
  }),
  table: str({
    env: 'PUSHWIRE_DEVICE_LIST_TABLE',
    default: 'pushwire-device-list',
    pattern: /^[A-Za-z0-9_.-]{3,255}$/,
    description: 'DynamoDB table of device lists.',
  }),
  createTables: bool({
    env: 'PUSHWIRE_DEVICE_LIST_CREATE_TABLES',
    default: true,
    description: 'Create the DynamoDB table (and its TTL) at start when missing.',
  }),
} as const;

/** The device list's settings, and its service tokens by role (edge: what it presents; both: what its API takes). */
export type DeviceListConfig = WithServiceTokens<ConfigOf<typeof deviceListConfigSpec>>;

/** Loads and cross-checks the config; one ConfigError names every offending key. */
export function loadDeviceListConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<DeviceListConfig> = {}): DeviceListConfig {
  const c = loadServiceConfig(deviceListConfigSpec, env, overrides, {
    required: ['edge'],
    why: "the device list reads edge leases on the registry and notifies edges with the first edge token (and takes edges' reads)",
  });
  if (c.store === 'dynamodb' && !c.awsRegion)
    throw new ConfigError('invalid configuration:\n  - AWS_REGION is required when PUSHWIRE_DEVICE_LIST_STORE=dynamodb');
  return c;
}
