import { exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { startTestEdge, type TestEdge } from '../src/testing';
import { RawDevice } from './raw-device';

// An authenticator that verifies asynchronously (a PEM public key, or JWKS: jose), unlike HS256
// which the edge verifies in the upgrade request's own turn: the upgrade waits for it the same way.
describe('edge: connecting with an asynchronously verified token (ES256 public key)', () => {
  let t: TestEdge;
  let privateKey: KeyLike;
  const token = (deviceId: string, ttl = '1h') =>
    new SignJWT({ device_id: deviceId, device_type: 'tv' })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('a1')
      .setIssuedAt()
      .setExpirationTime(ttl)
      .sign(privateKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    t = await startTestEdge({ jwtPublicKey: await exportSPKI(pair.publicKey), jwtAlgorithm: 'ES256' });
  });
  afterAll(() => t.stop());

  it('upgrades a device whose token verifies, and welcomes it', async () => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await token('tv-es')}`);
    expect(await d.next('welcome')).toMatchObject({ deviceId: 'tv-es', accountId: 'a1' });
    d.close();
    await d.closed;
  });

  it('answers 401 with the generic message for an expired token and for an HS256 token', async () => {
    const expired = await RawDevice.refusal(`${t.wsUrl}/v1/connect`, { authorization: `Bearer ${await token('tv-old', '-1m')}` });
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toBe('the device token is invalid or expired');
    const hs = await RawDevice.refusal(`${t.wsUrl}/v1/connect?token=${await t.token('a1', 'tv-hs')}`);
    expect(hs.status).toBe(401);
    expect(t.edge.connections).toBe(0);
  });
});
