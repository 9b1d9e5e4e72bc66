import { mintDeviceToken, type MintDeviceTokenOptions } from '@pushwire/auth';
import { DEV_DEFAULTS } from '@pushwire/service-kit';

const env = process.env;

/** The first token of PUSHWIRE_SENDER_TOKENS (the one a sender presents), else PUSHWIRE_SERVICE_TOKEN. */
const senderToken = (): string | undefined => env.PUSHWIRE_SENDER_TOKENS?.split(',')[0]?.trim() || env.PUSHWIRE_SERVICE_TOKEN || undefined;

let warned = false;

/** Starts a pushctl run: the development-secrets warning is given once per run. */
export function startRun(): void {
  warned = false;
}

/**
 * A development default, announced loudly on stderr the first time a run falls back to one: the
 * published secrets work only against `npm start`, the dev cluster and the compose defaults, and
 * a run that silently used them against anything else would look like an auth bug.
 */
function devDefault(value: string): string {
  if (!warned) {
    warned = true;
    const unset = [
      !senderToken() && 'PUSHWIRE_SENDER_TOKENS (or PUSHWIRE_SERVICE_TOKEN)',
      !env.PUSHWIRE_JWT_SECRET && 'PUSHWIRE_JWT_SECRET',
    ]
      .filter(Boolean)
      .join(' and ');
    process.stderr.write(
      `pushctl: WARNING: using the published DEVELOPMENT secrets, which only a development setup accepts; set ${unset} for anything else\n`,
    );
  }
  return value;
}

/**
 * Where pushctl connects and with which secrets: env first, then the all-in-one defaults, so it works
 * against `npm start` with no setup and against a cluster with a few variables.
 */
export const endpoints = {
  edgeUrl: () => env.PUSHWIRE_EDGE_URL || DEV_DEFAULTS.edgeUrl,
  registryUrl: () => env.PUSHWIRE_REGISTRY_URL || DEV_DEFAULTS.registryUrl,
  processorUrl: () => env.PUSHWIRE_PROCESSOR_URL || DEV_DEFAULTS.processorUrl,
  deviceListUrl: () => env.PUSHWIRE_DEVICE_LIST_URL || DEV_DEFAULTS.deviceListUrl,
  /** A sender's token: pushctl looks up, delivers, enqueues and reads device lists, as a backend does. */
  serviceToken: () => senderToken() ?? devDefault(DEV_DEFAULTS.serviceToken),
  jwtSecret: () => env.PUSHWIRE_JWT_SECRET || devDefault(DEV_DEFAULTS.jwtSecret),
};

/** A device token the edge accepts: the secret, and the issuer and audience when the edge requires them. */
export function mintToken(claims: Omit<MintDeviceTokenOptions, 'secret' | 'issuer' | 'audience'>): Promise<string> {
  return mintDeviceToken({
    ...claims,
    secret: endpoints.jwtSecret(),
    issuer: env.PUSHWIRE_JWT_ISSUER || undefined,
    audience: env.PUSHWIRE_JWT_AUDIENCE || undefined,
  });
}

export const ENV_HELP = `Environment (defaults fit \`npm start\`):
  PUSHWIRE_EDGE_URL        device port of an edge      (${DEV_DEFAULTS.edgeUrl})
  PUSHWIRE_REGISTRY_URL    registry API                (${DEV_DEFAULTS.registryUrl})
  PUSHWIRE_PROCESSOR_URL   message processor API       (${DEV_DEFAULTS.processorUrl})
  PUSHWIRE_DEVICE_LIST_URL device-list API             (${DEV_DEFAULTS.deviceListUrl})
  PUSHWIRE_SENDER_TOKENS   sender service token(s); the first is used (or PUSHWIRE_SERVICE_TOKEN; development default)
  PUSHWIRE_JWT_SECRET      HS256 secret for dev tokens (development default)
  PUSHWIRE_JWT_ISSUER      iss of dev tokens           (none)
  PUSHWIRE_JWT_AUDIENCE    aud of dev tokens           (none)
A run that falls back to a development secret says so on stderr.`;
