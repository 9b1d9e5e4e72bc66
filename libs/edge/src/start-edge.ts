import { JwtAuthenticator, type DeviceAuthenticator } from '@pushwire/auth';
import type { EdgeConfig } from './edge-config';

/** The authenticator the config asks for: HS256 secret, PEM public key, or JWKS URL. */
export function authenticatorFromConfig(c: EdgeConfig): DeviceAuthenticator {
  if (c.jwtJwksUrl) return new JwtAuthenticator({ key: { jwksUrl: c.jwtJwksUrl } });
  if (c.jwtPublicKey)
    return new JwtAuthenticator({ key: { publicKeyPem: c.jwtPublicKey, algorithm: c.jwtAlgorithm as 'RS256' | 'ES256' | 'EdDSA' } });
  return new JwtAuthenticator({ key: { secret: c.jwtSecret } });
}
