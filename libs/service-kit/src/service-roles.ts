import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerToken } from './service-token';

/**
 * What a service token may do.
 * - `sender`: what backends do — registry lookups, `POST /v1/deliver` on edges, enqueue and
 *   outcomes on the message processor, device-list reads.
 * - `edge`: what only edges and Pushwire's own services do — register and deregister routes, take
 *   and release edge leases, read lease status, `POST /v1/notify` on edges. Edge tokens are
 *   accepted wherever sender tokens are (an edge looks devices up, relays d2d deliveries and reads
 *   the device list with its own token); sender tokens never where only edges may go.
 */
export type ServiceRole = 'sender' | 'edge';

/** Routes backends call: sender tokens, and edge tokens too. */
export const SENDER_ROLES: readonly ServiceRole[] = ['sender', 'edge'];
/** Routes only edges and Pushwire's own services call. */
export const EDGE_ROLES: readonly ServiceRole[] = ['edge'];

/**
 * The service tokens a process accepts, by role. Each role takes a list so a token can be rotated
 * without downtime (add the new one everywhere, move senders over, drop the old one); the first of
 * a list is the one the process itself presents when it calls another service in that role.
 */
export interface ServiceTokens {
  readonly sender: readonly string[];
  readonly edge: readonly string[];
}

/** One token for every role: only for tests and development (see docs/security.md). */
export const sharedServiceTokens = (token: string): ServiceTokens => ({ sender: [token], edge: [token] });

/** The two ways an app's options may carry its tokens: `serviceTokens` by role, or one `serviceToken` for every role. */
export interface ServiceTokenOptions {
  /** The tokens accepted, by role. */
  readonly serviceTokens?: ServiceTokens;
  /** One token for every role (tests, the development all-in-one). */
  readonly serviceToken?: string;
}

/** The tokens an app was given, or a TypeError naming the app when it was given none. */
export function requiredServiceTokens(o: ServiceTokenOptions, app: string): ServiceTokens {
  if (o.serviceTokens && (o.serviceTokens.sender.length || o.serviceTokens.edge.length)) return o.serviceTokens;
  if (o.serviceToken) return sharedServiceTokens(o.serviceToken);
  throw new TypeError(`${app}: serviceTokens (or serviceToken) is required`);
}

/** The message of a 403 for a token of the wrong role: which roles the route takes (never which role the token has). */
export const wrongRoleMessage = (accepted: readonly ServiceRole[]): string =>
  `this service token may not call this route (it takes ${accepted.join(' or ')} tokens)`;

/** The outcome of checking a bearer token against the roles a route accepts. */
export type ServiceTokenCheck = 'ok' | 'unauthorized' | 'forbidden';

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * Checks `Authorization: Bearer <token>` against the tokens of each role, in constant time per
 * comparison (hashing both sides first so lengths never leak): `unauthorized` when the token is
 * none of ours, `forbidden` when it is, but of a role the route does not accept.
 */
export class ServiceTokenVerifier {
  private readonly digests: Record<ServiceRole, Buffer[]>;

  constructor(tokens: ServiceTokens) {
    this.digests = { sender: tokens.sender.map(digest), edge: tokens.edge.map(digest) };
  }

  check(authorization: string | undefined, accepted: readonly ServiceRole[]): ServiceTokenCheck {
    const token = bearerToken(authorization);
    if (token === undefined || token === '') return 'unauthorized';
    const given = digest(token);
    let known = false;
    for (const role of ['sender', 'edge'] as const) {
      // Every digest is compared, match or not, so the time taken does not tell which one matched.
      const matches = this.digests[role].reduce((hit, want) => timingSafeEqual(given, want) || hit, false);
      if (matches && accepted.includes(role)) return 'ok';
      known ||= matches;
    }
    return known ? 'forbidden' : 'unauthorized';
  }
}
