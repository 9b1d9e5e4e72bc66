import { createRemoteJWKSet, errors as joseErrors, importSPKI, jwtVerify, type JWTPayload, type KeyLike } from 'jose';
import { AccountId, DeviceId, DeviceName, DeviceType, Validator } from '@pushwire/protocol';
import { Type } from '@sinclair/typebox';
import { AuthError, type DeviceAuthenticator, type DeviceIdentity } from './device-identity';

/** The claims a device token must carry; validated with the protocol's own id schemas. */
const DeviceClaims = new Validator(
  Type.Object({ sub: AccountId, device_id: DeviceId, device_type: DeviceType, device_name: Type.Optional(DeviceName) }),
  'device token claims',
);

export type JwtKeyOptions = { secret: string } | { publicKeyPem: string; algorithm: 'RS256' | 'ES256' | 'EdDSA' } | { jwksUrl: string };

export interface JwtAuthenticatorOptions {
  key: JwtKeyOptions;
  issuer?: string;
  audience?: string;
  /** Allowed clock skew in seconds for `exp`/`nbf`. Default 5. */
  clockToleranceSeconds?: number;
}

/**
 * Verifies device JWTs with jose: HS256 with a shared secret, RS256/ES256/EdDSA with a PEM public
 * key, or any algorithm a JWKS endpoint publishes. Claims: `sub` = account id, `device_id`,
 * `device_type`, optional `device_name`, `exp`.
 */
export class JwtAuthenticator implements DeviceAuthenticator {
  private readonly keyPromise: Promise<Uint8Array | KeyLike | ReturnType<typeof createRemoteJWKSet>>;
  private readonly algorithms?: string[];

  constructor(private readonly opts: JwtAuthenticatorOptions) {
    const k = opts.key;
    if ('secret' in k) {
      this.keyPromise = Promise.resolve(new TextEncoder().encode(k.secret));
      this.algorithms = ['HS256'];
    } else if ('publicKeyPem' in k) {
      this.keyPromise = importSPKI(k.publicKeyPem, k.algorithm);
      this.algorithms = [k.algorithm];
    } else {
      this.keyPromise = Promise.resolve(createRemoteJWKSet(new URL(k.jwksUrl)));
    }
  }

  async authenticate(token: string): Promise<DeviceIdentity> {
    if (!token) throw new AuthError('missing_token', 'a device token is required');
    let payload: JWTPayload;
    try {
      const key = await this.keyPromise;
      const options = {
        algorithms: this.algorithms,
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        clockTolerance: this.opts.clockToleranceSeconds ?? 5,
        requiredClaims: ['exp'],
      };
      // jose's overloads differ for a key and a key-set function; both verify the same way.
      payload =
        typeof key === 'function'
          ? (await jwtVerify(token, key, options)).payload
          : (await jwtVerify(token, key as Uint8Array, options)).payload;
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new AuthError('expired_token', 'the device token has expired', { cause: e });
      throw new AuthError('invalid_token', `the device token is invalid (${(e as Error).message})`, { cause: e });
    }
    if (!DeviceClaims.is(payload)) {
      throw new AuthError('invalid_claims', 'the device token needs claims sub, device_id and device_type with valid ids');
    }
    return {
      accountId: payload.sub,
      deviceId: payload.device_id,
      deviceType: payload.device_type,
      ...(payload.device_name ? { deviceName: payload.device_name } : {}),
      ...(typeof (payload as JWTPayload).exp === 'number' ? { expiresAt: (payload as JWTPayload).exp } : {}),
    };
  }
}
