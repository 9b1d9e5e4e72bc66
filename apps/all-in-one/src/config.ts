import { edgeConfigSpec } from '@pushwire/edge';
import { inboxLimitsConfigSpec } from '@pushwire/registry';
import { int, journalConfigSpec, loadConfig, str, type ConfigOf } from '@pushwire/service-kit';

/**
 * The all-in-one's own settings, every key beside its default; each service's other settings come
 * from its own loader (loadEdgeConfig, loadDeviceListConfig, loadProcessorConfig).
 */
export const allInOneConfigSpec = {
  /** Address every port binds to. Default 127.0.0.1: a development process, not reachable from outside. */
  host: str({ env: 'PUSHWIRE_HOST', default: '127.0.0.1', description: 'Address every port binds to (all-in-one).' }),
  /** Registry HTTP API port. Default 8082. */
  registryPort: int({ env: 'PUSHWIRE_REGISTRY_PORT', default: 8082, min: 0, max: 65535, description: 'Registry HTTP API port.' }),
  /** Message processor HTTP API port. Default 8083. */
  processorPort: int({
    env: 'PUSHWIRE_PROCESSOR_PORT',
    default: 8083,
    min: 0,
    max: 65535,
    description: 'Message processor HTTP API port.',
  }),
  /** Device-list HTTP API port. Default 8084. */
  deviceListPort: int({ env: 'PUSHWIRE_DEVICE_LIST_PORT', default: 8084, min: 0, max: 65535, description: 'Device-list HTTP API port.' }),
  /**
   * The edge's drain window on Ctrl-C, the edge's key and bounds. Default 0, not the edge's 20 s: a
   * development process should stop at once.
   */
  drainSeconds: int({
    ...edgeConfigSpec.drainSeconds,
    default: 0,
    description: 'On Ctrl-C, devices are asked to reconnect spread over this window before the process exits (all-in-one: 0).',
  }),
  /** The in-process inbox's bounds per device, as the registry's. */
  ...inboxLimitsConfigSpec,
  /** The one message journal of the process, shared by its services (PUSHWIRE_JOURNAL_*). */
  ...journalConfigSpec,
};

export type AllInOneConfig = ConfigOf<typeof allInOneConfigSpec>;

/** Reads the all-in-one's settings; a bad value stops it with a ConfigError naming the key. */
export function loadAllInOneConfig(env: NodeJS.ProcessEnv = process.env): AllInOneConfig {
  return loadConfig(allInOneConfigSpec, env);
}
