import { errors as joseErrors, generateKeyPair, exportSPKI, SignJWT } from 'jose';
import { PushwireError } from '@pushwire/protocol';
import { AuthError } from './device-identity';
import { JwtAuthenticator } from './jwt-authenticator';
import { mintDeviceToken } from './mint-token';

const secret = 'test-secret-that-is-long-enough';

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    return (e as AuthError).reason;
  }
}

describe('JwtAuthenticator', () => {
  const auth = new JwtAuthenticator({ key: { secret } });

  it('returns the identity carried by a valid token', async () => {
    const token = await mintDeviceToken({ secret, accountId: 'a1', deviceId: 'tv1', deviceType: 'tv', deviceName: 'Living room' });
    await expect(auth.authenticate(token)).resolves.toMatchObject({
      accountId: 'a1',
      deviceId: 'tv1',
      deviceType: 'tv',
      deviceName: 'Living room',
    });
  });

  it('rejects an expired token as expired', async () => {
    const token = await mintDeviceToken({ secret, accountId: 'a1', deviceId: 'tv1', ttlSeconds: -60 });
    expect(await reason(auth.authenticate(token))).toBe('expired_token');
  });

  it('rejects a token signed with another secret, garbage and an empty token', async () => {
    const other = await mintDeviceToken({ secret: 'another-secret-of-enough-length', accountId: 'a1', deviceId: 'tv1' });
    expect(await reason(auth.authenticate(other))).toBe('invalid_token');
    expect(await reason(auth.authenticate('not.a.jwt'))).toBe('invalid_token');
    expect(await reason(auth.authenticate(''))).toBe('missing_token');
  });

  it("fails with a non-retriable PushwireError coded unauthorized, keeping jose's error as cause", async () => {
    const other = await mintDeviceToken({ secret: 'another-secret-of-enough-length', accountId: 'a1', deviceId: 'tv1' });
    const error = await auth.authenticate(other).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushwireError);
    expect(error).toMatchObject({ name: 'AuthError', code: 'unauthorized', retriable: false, reason: 'invalid_token' });
    expect((error as Error).cause).toBeInstanceOf(joseErrors.JWSSignatureVerificationFailed);
  });

  it('rejects a token without the device claims', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a1')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    expect(await reason(auth.authenticate(token))).toBe('invalid_claims');
  });

  it('rejects a token without exp, so no credential lives forever', async () => {
    const token = await new SignJWT({ device_id: 'tv1', device_type: 'tv' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a1')
      .sign(new TextEncoder().encode(secret));
    expect(await reason(auth.authenticate(token))).toBe('invalid_token');
  });

  it('verifies ES256 tokens with a PEM public key and refuses HS256 tokens there (no algorithm confusion)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const pem = await exportSPKI(publicKey);
    const es = new JwtAuthenticator({ key: { publicKeyPem: pem, algorithm: 'ES256' } });
    const good = await new SignJWT({ device_id: 'p1', device_type: 'phone' })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('a2')
      .setExpirationTime('1h')
      .sign(privateKey);
    await expect(es.authenticate(good)).resolves.toMatchObject({ accountId: 'a2', deviceId: 'p1' });
    const hs = await mintDeviceToken({ secret: pem, accountId: 'a2', deviceId: 'p1' });
    expect(await reason(es.authenticate(hs))).toBe('invalid_token');
  });
});
