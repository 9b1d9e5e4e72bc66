import { JwtAuthenticator, type DeviceAuthenticator, type JwtKeyOptions } from '@pushwire/auth';
import type { EdgeConfig } from './edge-config';

/**
 * The authenticator the config asks for: HS256 secret, PEM public key, or JWKS URL; with the
 * configured issuer, audience, maximum token lifetime and clock leeway.
 */
export function authenticatorFromConfig(c: EdgeConfig): DeviceAuthenticator {
  const key: JwtKeyOptions = c.jwtJwksUrl
    ? { jwksUrl: c.jwtJwksUrl }
    : c.jwtPublicKey
      ? { publicKeyPem: c.jwtPublicKey, algorithm: c.jwtAlgorithm as 'RS256' | 'ES256' | 'EdDSA' }
      : { secret: c.jwtSecret };
  return new JwtAuthenticator({
    key,
    issuer: c.jwtIssuer || undefined,
    audience: c.jwtAudience || undefined,
    maxLifetimeSeconds: c.jwtMaxLifetimeSeconds,
    clockLeewaySeconds: c.jwtClockLeewaySeconds,
  });
}
