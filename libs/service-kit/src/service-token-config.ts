import { bool, ConfigError, loadConfig, str, type ConfigOf, type Field } from './config';
import type { Logger } from './logger';
import type { ServiceRole, ServiceTokens } from './service-roles';

const MIN_TOKEN_LENGTH = 16;

/**
 * The service-token keys every Pushwire service reads (spread into its config spec). Role lists
 * are comma-separated; the first token of a list is the one the service presents in that role.
 */
export const serviceTokenConfigSpec = {
  senderTokens: str({
    env: 'PUSHWIRE_SENDER_TOKENS',
    default: '',
    description: 'Sender-role service tokens, comma-separated, ≥ 16 chars each (backends: lookups, deliver, enqueue, device-list reads).',
  }),
  edgeTokens: str({
    env: 'PUSHWIRE_EDGE_TOKENS',
    default: '',
    description: 'Edge-role service tokens, comma-separated, ≥ 16 chars each (edges and internal services: routes, leases, notify).',
  }),
  serviceToken: str({
    env: 'PUSHWIRE_SERVICE_TOKEN',
    default: '',
    description: 'One token for every role (development); refused unless PUSHWIRE_ALLOW_SHARED_SERVICE_TOKEN=true.',
  }),
  allowSharedServiceToken: bool({
    env: 'PUSHWIRE_ALLOW_SHARED_SERVICE_TOKEN',
    default: false,
    description: 'Accept one token for every role (PUSHWIRE_SERVICE_TOKEN, or a token in both role lists): development only.',
  }),
} as const;

type ServiceTokenSettings = ConfigOf<typeof serviceTokenConfigSpec>;

const ENV: Record<ServiceRole, string> = { sender: 'PUSHWIRE_SENDER_TOKENS', edge: 'PUSHWIRE_EDGE_TOKENS' };

/** What a service needs: the roles whose tokens it must have (to present them, or because callers in that role must get in). */
export interface ServiceTokenNeeds {
  readonly required: readonly ServiceRole[];
  /** What the service does with each required role, for the error message. */
  readonly why: string;
}

function parseList(raw: string, env: string, problems: string[]): string[] {
  const tokens = raw
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  tokens.forEach((t, i) => {
    if (t.length < MIN_TOKEN_LENGTH) problems.push(`${env}: token ${i + 1} is shorter than ${MIN_TOKEN_LENGTH} characters`);
  });
  return tokens;
}

/**
 * The tokens by role from the settings, or every reason they cannot be used. One token for every
 * role (PUSHWIRE_SERVICE_TOKEN, or the same token in both lists) would let any backend register
 * routes and take edge leases, so it is refused unless PUSHWIRE_ALLOW_SHARED_SERVICE_TOKEN=true
 * (or `explicitShared`: a test or the all-in-one passing the token in code).
 */
export function resolveServiceTokens(c: ServiceTokenSettings, needs: ServiceTokenNeeds, explicitShared = false): ServiceTokens {
  const problems: string[] = [];
  const sharedAllowed = explicitShared || c.allowSharedServiceToken;
  let tokens: ServiceTokens;
  if (c.serviceToken) {
    if (c.senderTokens || c.edgeTokens) {
      problems.push('PUSHWIRE_SERVICE_TOKEN and PUSHWIRE_SENDER_TOKENS / PUSHWIRE_EDGE_TOKENS are exclusive: set the role lists only');
    } else if (!sharedAllowed) {
      problems.push(
        'PUSHWIRE_SERVICE_TOKEN alone would be one token for every role (any sender could register routes and take edge leases): ' +
          'set PUSHWIRE_SENDER_TOKENS and PUSHWIRE_EDGE_TOKENS, or PUSHWIRE_ALLOW_SHARED_SERVICE_TOKEN=true for development',
      );
    }
    if (c.serviceToken.length < MIN_TOKEN_LENGTH) problems.push(`PUSHWIRE_SERVICE_TOKEN is shorter than ${MIN_TOKEN_LENGTH} characters`);
    tokens = { sender: [c.serviceToken], edge: [c.serviceToken] };
  } else {
    tokens = { sender: parseList(c.senderTokens, ENV.sender, problems), edge: parseList(c.edgeTokens, ENV.edge, problems) };
    for (const role of needs.required) {
      if (tokens[role].length === 0) problems.push(`${ENV[role]} is required: ${needs.why}`);
    }
    if (!sharedAllowed && tokens.sender.some((t) => tokens.edge.includes(t))) {
      problems.push(
        'a token is in both PUSHWIRE_SENDER_TOKENS and PUSHWIRE_EDGE_TOKENS: give each role its own, or set PUSHWIRE_ALLOW_SHARED_SERVICE_TOKEN=true for development',
      );
    }
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return tokens;
}

/**
 * Warns at start when a token serves every role (allowed only by PUSHWIRE_ALLOW_SHARED_SERVICE_TOKEN
 * or in code): fine for development, never for anything reachable by others.
 */
export function warnIfSharedServiceToken(t: ServiceTokens, logger: Pick<Logger, 'warn'>): void {
  if (t.sender.some((s) => t.edge.includes(s)))
    logger.warn('one service token serves every role: any sender could register routes and take edge leases (development only)');
}

/** A service's settings with its service tokens resolved by role. */
export type WithServiceTokens<C> = C & { readonly serviceTokens: ServiceTokens };

/**
 * `loadConfig` for a service spec that includes `serviceTokenConfigSpec`, plus `serviceTokens`
 * resolved from it. Code may pass the tokens itself: `overrides.serviceTokens` by role, or
 * `overrides.serviceToken`, one token for every role on purpose (tests, the all-in-one), which
 * needs no PUSHWIRE_ALLOW_SHARED_SERVICE_TOKEN.
 */
export function loadServiceConfig<S extends Record<string, Field> & typeof serviceTokenConfigSpec>(
  spec: S,
  env: NodeJS.ProcessEnv,
  overrides: Partial<WithServiceTokens<ConfigOf<S>>>,
  needs: ServiceTokenNeeds,
): WithServiceTokens<ConfigOf<S>> {
  const { serviceTokens: given, ...fields } = overrides;
  const c = loadConfig(spec, env, fields as Partial<ConfigOf<S>>);
  return { ...c, serviceTokens: given ?? resolveServiceTokens(c, needs, Boolean(fields.serviceToken)) };
}
