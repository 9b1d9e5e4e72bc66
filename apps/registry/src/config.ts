import { int, secret, str, type ConfigOf } from '@pushwire/service-kit';

/** Stores the registry service can run on. `dynamodb` joins when its adapter exists. */
export const REGISTRY_STORES = ['memory'] as const;
export type RegistryStoreKind = (typeof REGISTRY_STORES)[number];

/** The registry service's configuration: every key beside its default. */
export const registryConfigSpec = {
  /** Interface to listen on. Default 0.0.0.0. */
  host: str({ env: 'PUSHWIRE_REGISTRY_HOST', default: '0.0.0.0', description: 'Interface the registry HTTP API listens on.' }),
  /** Port of the registry HTTP API. Default 8082. */
  port: int({ env: 'PUSHWIRE_REGISTRY_PORT', default: 8082, min: 0, max: 65535, description: 'Port of the registry HTTP API (0 picks a free port).' }),
  /** Shared service token. Required: production has no default. */
  serviceToken: secret({ env: 'PUSHWIRE_SERVICE_TOKEN', description: 'Shared service token that edges and senders present as Bearer token (at least 16 characters).' }),
  /** Backing store. Default memory. */
  store: str({ env: 'PUSHWIRE_REGISTRY_STORE', default: 'memory', oneOf: REGISTRY_STORES, description: `Registry store: ${REGISTRY_STORES.join(' | ')}.` }),
};

export type RegistryConfig = ConfigOf<typeof registryConfigSpec>;
