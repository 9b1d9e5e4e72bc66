import { SignJWT } from 'jose';

export interface MintDeviceTokenOptions {
  secret: string;
  accountId: string;
  deviceId: string;
  deviceType?: string;
  deviceName?: string;
  /** Claim `topics`: patterns of the topics the device may subscribe to (`live:*`). Omitted when absent. */
  topics?: readonly string[];
  /** Validity in seconds. Default 3600. Negative values mint already-expired tokens (for tests). */
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
  /** Clock, in epoch seconds; injectable for tests. */
  nowSeconds?: number;
}

/**
 * Mints an HS256 device token, as a backend's auth service would. Used by `pushctl token`, the load
 * generator and tests; production deployments usually mint with their own identity provider.
 */
export async function mintDeviceToken(o: MintDeviceTokenOptions): Promise<string> {
  const now = o.nowSeconds ?? Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({
    device_id: o.deviceId,
    device_type: o.deviceType ?? 'browser',
    ...(o.deviceName ? { device_name: o.deviceName } : {}),
    ...(o.topics ? { topics: [...o.topics] } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(o.accountId)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.ttlSeconds ?? 3600));
  if (o.issuer) jwt = jwt.setIssuer(o.issuer);
  if (o.audience) jwt = jwt.setAudience(o.audience);
  return jwt.sign(new TextEncoder().encode(o.secret));
}
