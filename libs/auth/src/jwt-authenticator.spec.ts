import { errors as joseErrors, generateKeyPair, exportSPKI, SignJWT } from 'jose';
import { PushwireError } from '@pushwire/protocol';
import { AuthError } from './device-identity';
import { JwtAuthenticator } from './jwt-authenticator';
import { mintDeviceToken } from './mint-token';
import { checkTokenSize } from './token-size';

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

  it('carries the topics claim as the identity topic patterns, and none when the token has none', async () => {
    const token = await mintDeviceToken({ secret, accountId: 'a1', deviceId: 'tv1', topics: ['live:*', 'news'] });
    await expect(auth.authenticate(token)).resolves.toMatchObject({ topics: ['live:*', 'news'] });
    const plain = await auth.authenticate(await mintDeviceToken({ secret, accountId: 'a1', deviceId: 'tv1' }));
    expect(plain.topics).toBeUndefined();
  });

  it('rejects a topics claim that is not a list of topic patterns as invalid claims', async () => {
    for (const topics of ['live:*', ['bad topic'], Array.from({ length: 65 }, (_, i) => `t${i}`), [42]]) {
      const token = await new SignJWT({ device_id: 'tv1', device_type: 'tv', topics })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('a1')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      expect(await reason(auth.authenticate(token))).toBe('invalid_claims');
    }
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

  describe('lifetime, issuer and audience', () => {
    const nowMs = Date.UTC(2026, 0, 1);
    const nowSeconds = nowMs / 1000;
    const strict = new JwtAuthenticator({
      key: { secret },
      issuer: 'https://id.example',
      audience: 'pushwire',
      maxLifetimeSeconds: 3600,
      clockLeewaySeconds: 30,
      now: () => nowMs,
    });
    const mint = (o: { ttlSeconds?: number; at?: number; issuer?: string; audience?: string }) =>
      mintDeviceToken({
        secret,
        accountId: 'a1',
        deviceId: 'tv1',
        nowSeconds: o.at ?? nowSeconds,
        ttlSeconds: o.ttlSeconds ?? 600,
        issuer: 'issuer' in o ? o.issuer : 'https://id.example',
        audience: 'audience' in o ? o.audience : 'pushwire',
      });

    it('accepts a token of the right issuer and audience within the lifetime, and reports its exp', async () => {
      await expect(strict.authenticate(await mint({ ttlSeconds: 3600 }))).resolves.toMatchObject({ expiresAt: nowSeconds + 3600 });
    });

    it('refuses a wrong or missing issuer or audience', async () => {
      expect(await reason(strict.authenticate(await mint({ issuer: 'https://evil.example' })))).toBe('wrong_issuer');
      expect(await reason(strict.authenticate(await mint({ issuer: undefined })))).toBe('wrong_issuer');
      expect(await reason(strict.authenticate(await mint({ audience: 'other' })))).toBe('wrong_audience');
      expect(await reason(strict.authenticate(await mint({ audience: undefined })))).toBe('wrong_audience');
    });

    it('refuses an exp further than the maximum lifetime from now, or from iat', async () => {
      expect(await reason(strict.authenticate(await mint({ ttlSeconds: 100 * 365 * 86_400 })))).toBe('lifetime_too_long');
      expect(await reason(strict.authenticate(await mint({ ttlSeconds: 3601 })))).toBe('lifetime_too_long');
      // Issued an hour ago for two hours: one hour left, but it claimed more than the maximum.
      expect(await reason(strict.authenticate(await mint({ at: nowSeconds - 3600, ttlSeconds: 7200 })))).toBe('lifetime_too_long');
    });

    it('refuses an expired token at once: the leeway is not for exp (the connection would end at exp anyway)', async () => {
      expect(await reason(strict.authenticate(await mint({ at: nowSeconds - 605, ttlSeconds: 600 })))).toBe('expired_token');
    });

    it('allows the clock leeway for iat and nbf, and refuses them further in the future', async () => {
      await expect(strict.authenticate(await mint({ at: nowSeconds + 20 }))).resolves.toMatchObject({ deviceId: 'tv1' });
      expect(await reason(strict.authenticate(await mint({ at: nowSeconds + 120 })))).toBe('issued_in_future');
      const nbf = await new SignJWT({ device_id: 'tv1', device_type: 'tv' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('a1')
        .setIssuer('https://id.example')
        .setAudience('pushwire')
        .setNotBefore(nowSeconds + 120)
        .setExpirationTime(nowSeconds + 600)
        .sign(new TextEncoder().encode(secret));
      expect(await reason(strict.authenticate(nbf))).toBe('issued_in_future');
    });

    it('says only "invalid or expired" to the client, whatever the reason', async () => {
      const error = (await strict.authenticate(await mint({ issuer: 'https://evil.example' })).catch((e: unknown) => e)) as AuthError;
      expect(error.publicMessage).toBe('the device token is invalid or expired');
      expect(error.publicMessage).not.toMatch(/iss|claim/);
      expect(new AuthError('missing_token', 'x').publicMessage).toBe('a device token is required');
    });
  });

  it('refuses a token over MAX_TOKEN_BYTES by its UTF-8 size, before any verification', () => {
    expect(() => checkTokenSize('a'.repeat(8192))).not.toThrow();
    expect(() => checkTokenSize('a'.repeat(8193))).toThrow(expect.objectContaining({ reason: 'oversized_token' }));
    // 3,000 characters of three bytes each: under the limit in characters, over it in bytes.
    expect(() => checkTokenSize('€'.repeat(3000))).toThrow(expect.objectContaining({ reason: 'oversized_token' }));
  });
});
