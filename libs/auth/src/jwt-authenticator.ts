import { createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, importSPKI, jwtVerify, type JWTPayload, type KeyLike } from 'jose';
import { AccountId, DeviceId, DeviceName, DeviceType, TopicsClaim, Validator } from '@pushwire/protocol';
import { Type } from '@sinclair/typebox';
import { AuthError, type AuthFailure, type DeviceAuthenticator, type DeviceIdentity } from './device-identity';
import { verifyHs256 } from './hs256-verify';

/** The claims a device token must carry; validated with the protocol's own id schemas. */
const DeviceClaims = new Validator(
  Type.Object({
    sub: AccountId,
    device_id: DeviceId,
    device_type: DeviceType,
    device_name: Type.Optional(DeviceName),
    topics: Type.Optional(TopicsClaim),
  }),
  'device token claims',
);

export type JwtKeyOptions = { secret: string } | { publicKeyPem: string; algorithm: 'RS256' | 'ES256' | 'EdDSA' } | { jwksUrl: string };

/** Default longest validity a device token may claim: a day. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400;
/** Default clock skew allowed between the token issuer and this process. */
export const DEFAULT_CLOCK_LEEWAY_SECONDS = 30;

/** Options of a JwtAuthenticator; each field states its default. */
export interface JwtAuthenticatorOptions {
  key: JwtKeyOptions;
  /** Required `iss`. Default: not checked. */
  issuer?: string;
  /** Required in `aud`. Default: not checked. */
  audience?: string;
  /**
   * The longest validity a token may claim, in seconds: `exp` may be at most this far from now
   * (plus the leeway) and, when `iat` is present, from `iat`. Default 86 400 (a day).
   */
  maxLifetimeSeconds?: number;
  /**
   * Clock skew allowed for `iat` and `nbf` (one further in the future is refused): a token minted
   * this instant by an issuer whose clock runs ahead still passes. Not for `exp`: a connection ends
   * when its token expires, so an expired token is refused however recently. Default 30.
   */
  clockLeewaySeconds?: number;
  /** Clock in epoch milliseconds; injectable for tests. Default Date.now. */
  now?: () => number;
}

/** What each jose claim failure means here (anything else is a plain invalid token). */
const CLAIM_FAILURES: Partial<Record<string, AuthFailure>> = { iss: 'wrong_issuer', aud: 'wrong_audience', nbf: 'issued_in_future' };

/**
 * Verifies device JWTs with jose: HS256 with a shared secret, RS256/ES256/EdDSA with a PEM public
 * key, or any algorithm a JWKS endpoint publishes. Claims: `sub` = account id, `device_id`,
 * `device_type`, optional `device_name` and `topics` (patterns of the topics the device may subscribe to), `exp` (required, at most `maxLifetimeSeconds` away), and
 * `iss` / `aud` when configured. Every failure is an AuthError whose message is generic; the reason
 * and jose's error (as `cause`) are for logs.
 *
 * With a shared secret (HS256) it verifies synchronously (verifyHs256: jose's checks, node:crypto's
 * HMAC) and offers `authenticateNow`, so the edge can upgrade a connection in the request's own turn.
 */
export class JwtAuthenticator implements DeviceAuthenticator {
  /** Present with a shared secret: the verdict of `authenticate`, synchronously. */
  readonly authenticateNow?: (token: string) => DeviceIdentity;
  private readonly keyPromise: Promise<Uint8Array | KeyLike | ReturnType<typeof createRemoteJWKSet>>;
  private readonly algorithms?: string[];
  private readonly maxLifetimeSeconds: number;
  private readonly leewaySeconds: number;
  private readonly now: () => number;

  constructor(private readonly opts: JwtAuthenticatorOptions) {
    const k = opts.key;
    if ('secret' in k) {
      // A KeyObject made once: handed the secret's bytes, jose would import them as a key again on
      // every verification (about a third of the verify cost, measured on the accept path).
      const secretKey = createSecretKey(new TextEncoder().encode(k.secret));
      this.keyPromise = Promise.resolve(secretKey);
      this.algorithms = ['HS256'];
      this.authenticateNow = (token) => this.verifySecret(token, secretKey);
    } else if ('publicKeyPem' in k) {
      this.keyPromise = importSPKI(k.publicKeyPem, k.algorithm);
      this.algorithms = [k.algorithm];
    } else {
      this.keyPromise = Promise.resolve(createRemoteJWKSet(new URL(k.jwksUrl)));
    }
    this.maxLifetimeSeconds = opts.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
    this.leewaySeconds = opts.clockLeewaySeconds ?? DEFAULT_CLOCK_LEEWAY_SECONDS;
    this.now = opts.now ?? Date.now;
  }

  async authenticate(token: string): Promise<DeviceIdentity> {
    if (this.authenticateNow) return this.authenticateNow(token);
    if (!token) throw new AuthError('missing_token', 'a device token is required');
    const nowMs = this.now();
    let payload: JWTPayload;
    try {
      const key = await this.keyPromise;
      const options = {
        algorithms: this.algorithms,
        issuer: this.opts.issuer || undefined,
        audience: this.opts.audience || undefined,
        clockTolerance: this.leewaySeconds,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp'],
      };
      // jose's overloads differ for a key and a key-set function; both verify the same way.
      payload =
        typeof key === 'function'
          ? (await jwtVerify(token, key, options)).payload
          : (await jwtVerify(token, key as Uint8Array, options)).payload;
    } catch (e) {
      throw verifyFailure(e);
    }
    return this.identityOf(payload, nowMs);
  }

  private verifySecret(token: string, key: KeyObject): DeviceIdentity {
    if (!token) throw new AuthError('missing_token', 'a device token is required');
    const nowMs = this.now();
    let payload: JWTPayload;
    try {
      payload = verifyHs256(token, key, {
        issuer: this.opts.issuer || undefined,
        audience: this.opts.audience || undefined,
        clockTolerance: this.leewaySeconds,
        nowMs,
      });
    } catch (e) {
      throw verifyFailure(e);
    }
    return this.identityOf(payload, nowMs);
  }

  /** The identity a verified payload carries, once our own time and claim rules pass. */
  private identityOf(payload: JWTPayload, nowMs: number): DeviceIdentity {
    this.checkTimes(payload, nowMs / 1000);
    if (!DeviceClaims.is(payload)) {
      throw new AuthError(
        'invalid_claims',
        'the device token needs claims sub, device_id and device_type with valid ids (and topics, when present, a list of topic patterns)',
      );
    }
    return {
      accountId: payload.sub,
      deviceId: payload.device_id,
      deviceType: payload.device_type,
      ...(payload.device_name ? { deviceName: payload.device_name } : {}),
      ...(payload.topics ? { topics: payload.topics } : {}),
      ...(typeof (payload as JWTPayload).exp === 'number' ? { expiresAt: (payload as JWTPayload).exp } : {}),
    };
  }

  /**
   * What jose leaves open: an `iat` in the future (a token minted by a clock that runs ahead, or
   * forged to look fresh), an `exp` within the leeway in the past (jose applies one tolerance to
   * every claim), and an `exp` further away than the longest lifetime we allow — a token valid for
   * a century is a credential that can never be taken back.
   */
  private checkTimes(payload: JWTPayload, nowSeconds: number): void {
    const { exp, iat } = payload;
    if (typeof iat === 'number' && iat > nowSeconds + this.leewaySeconds) {
      throw new AuthError('issued_in_future', 'the device token is invalid (issued in the future)');
    }
    if (typeof exp !== 'number') return; // jose requires it; kept for the type
    if (exp <= nowSeconds) throw new AuthError('expired_token', 'the device token has expired');
    const tooLong =
      exp - nowSeconds > this.maxLifetimeSeconds + this.leewaySeconds || (typeof iat === 'number' && exp - iat > this.maxLifetimeSeconds);
    if (tooLong) {
      throw new AuthError('lifetime_too_long', `the device token is invalid (valid for longer than ${this.maxLifetimeSeconds} s)`);
    }
  }
}

/** The AuthError for a jose verification failure (or verifyHs256's, which fails with jose's errors). */
export function verifyFailure(e: unknown): AuthError {
  if (e instanceof joseErrors.JWTExpired) return new AuthError('expired_token', 'the device token has expired', { cause: e });
  const reason = (e instanceof joseErrors.JWTClaimValidationFailed && CLAIM_FAILURES[e.claim]) || 'invalid_token';
  return new AuthError(reason, `the device token is invalid (${reason})`, { cause: e });
}
