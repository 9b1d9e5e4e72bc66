import { DEFAULT_INBOX_TABLE, DEFAULT_REGISTRY_TABLE, inboxLimitsConfigSpec } from '@pushwire/registry';
import {
  bool,
  int,
  journalConfigSpec,
  loadServiceConfig,
  serviceTokenConfigSpec,
  str,
  url,
  type ConfigOf,
  type WithServiceTokens,
} from '@pushwire/service-kit';

/** Stores the registry service can run on. */
export const REGISTRY_STORES = ['memory', 'dynamodb'] as const;
export type RegistryStoreKind = (typeof REGISTRY_STORES)[number];

const AWS_REGION_PATTERN = /^[a-z0-9-]+$/;
const AWS_REGION_DESCRIPTION = 'AWS region of the DynamoDB table, e.g. eu-west-1; required when PUSHWIRE_REGISTRY_STORE=dynamodb.';

/** The registry service's configuration: every key beside its default. */
export const registryConfigSpec = {
  /** Interface to listen on. Default 0.0.0.0. */
  host: str({ env: 'PUSHWIRE_REGISTRY_HOST', default: '0.0.0.0', description: 'Interface the registry HTTP API listens on.' }),
  /** Port of the registry HTTP API. Default 8082. */
  port: int({
    env: 'PUSHWIRE_REGISTRY_PORT',
    default: 8082,
    min: 0,
    max: 65535,
    description: 'Port of the registry HTTP API (0 picks a free port).',
  }),
  /** Service tokens by role (PUSHWIRE_SENDER_TOKENS, PUSHWIRE_EDGE_TOKENS). Required: production has no default. */
  ...serviceTokenConfigSpec,
  ...journalConfigSpec,
  /** Hosts edges may name in their edgeUrl. Default empty: any http(s) host. */
  edgeHosts: str({
    env: 'PUSHWIRE_REGISTRY_EDGE_HOSTS',
    default: '',
    description:
      'Comma-separated hosts edges may name in their edgeUrl: host names, *.domain, IP addresses or CIDRs (empty: any http(s) host); others are refused 403.',
  }),
  /** Backing store. Default memory. */
  store: str({
    env: 'PUSHWIRE_REGISTRY_STORE',
    default: 'memory',
    oneOf: REGISTRY_STORES,
    description: `Registry store: ${REGISTRY_STORES.join(' | ')}.`,
  }),
  /** dynamodb: endpoint URL. Default empty: AWS's regional endpoint. */
  dynamodbEndpoint: url({
    env: 'DYNAMODB_ENDPOINT',
    default: '',
    description: 'DynamoDB endpoint URL, e.g. DynamoDB Local; unset for AWS.',
  }),
  /** dynamodb: AWS region. No default: required when the store is dynamodb (see loadRegistryConfig). */
  awsRegion: str({ env: 'AWS_REGION', default: '', pattern: AWS_REGION_PATTERN, description: AWS_REGION_DESCRIPTION }),
  /** dynamodb: table of registrations and edge leases. Default pushwire-registry. */
  table: str({
    env: 'PUSHWIRE_REGISTRY_TABLE',
    default: DEFAULT_REGISTRY_TABLE,
    pattern: /^[A-Za-z0-9_.-]{3,255}$/,
    description: 'DynamoDB table of registrations and edge leases.',
  }),
  /** dynamodb: create the tables (and turn on their TTL) at start when missing. Default true. */
  createTables: bool({
    env: 'PUSHWIRE_REGISTRY_CREATE_TABLES',
    default: true,
    description: 'Create the DynamoDB tables (registry and inbox) and enable their TTL at start when missing.',
  }),
  /** dynamodb: table of the per-device inbox. Default pushwire-inbox. */
  inboxTable: str({
    env: 'PUSHWIRE_INBOX_TABLE',
    default: DEFAULT_INBOX_TABLE,
    pattern: /^[A-Za-z0-9_.-]{3,255}$/,
    description: 'DynamoDB table of the per-device inbox (messages kept until their device connects).',
  }),
  ...inboxLimitsConfigSpec,
};

/** The registry's settings, and its service tokens by role (senders look up; edges write routes and leases). */
export type RegistryConfig = WithServiceTokens<ConfigOf<typeof registryConfigSpec>>;

const TOKEN_NEEDS = {
  required: ['sender', 'edge'],
  why: 'senders (the processor, backends) look devices up and edges write routes and leases, each with their own tokens',
} as const;

/**
 * Loads the configuration from `env`. With PUSHWIRE_REGISTRY_STORE=dynamodb, AWS_REGION becomes
 * required (without it the SDK would fail only at the first request). Throws one ConfigError that
 * names every offending key.
 */
export function loadRegistryConfig(env: NodeJS.ProcessEnv = process.env): RegistryConfig {
  if (env[registryConfigSpec.store.env] !== 'dynamodb') return loadServiceConfig(registryConfigSpec, env, {}, TOKEN_NEEDS);
  const { default: _none, ...regionRequired } = registryConfigSpec.awsRegion;
  return loadServiceConfig({ ...registryConfigSpec, awsRegion: regionRequired }, env, {}, TOKEN_NEEDS);
}
