import { DEV_DEFAULTS } from '@pushwire/service-kit';

/**
 * Where pushctl connects and with which secrets: env first, then the all-in-one defaults, so it works
 * against `npm start` with no setup and against a cluster with a few variables.
 */
export const endpoints = {
  edgeUrl: () => process.env.PUSHWIRE_EDGE_URL || DEV_DEFAULTS.edgeUrl,
  registryUrl: () => process.env.PUSHWIRE_REGISTRY_URL || DEV_DEFAULTS.registryUrl,
  processorUrl: () => process.env.PUSHWIRE_PROCESSOR_URL || DEV_DEFAULTS.processorUrl,
  deviceListUrl: () => process.env.PUSHWIRE_DEVICE_LIST_URL || DEV_DEFAULTS.deviceListUrl,
  serviceToken: () => process.env.PUSHWIRE_SERVICE_TOKEN || DEV_DEFAULTS.serviceToken,
  jwtSecret: () => process.env.PUSHWIRE_JWT_SECRET || DEV_DEFAULTS.jwtSecret,
};

export const ENV_HELP = `Environment (defaults fit \`npm start\`):
  PUSHWIRE_EDGE_URL        device port of an edge      (${DEV_DEFAULTS.edgeUrl})
  PUSHWIRE_REGISTRY_URL    registry API                (${DEV_DEFAULTS.registryUrl})
  PUSHWIRE_PROCESSOR_URL   message processor API       (${DEV_DEFAULTS.processorUrl})
  PUSHWIRE_DEVICE_LIST_URL device-list API             (${DEV_DEFAULTS.deviceListUrl})
  PUSHWIRE_SERVICE_TOKEN   internal service token      (development default)
  PUSHWIRE_JWT_SECRET      HS256 secret for dev tokens (development default)`;
