import { createHmac, createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { jwtVerify } from 'jose';
import { verifyHs256, type Hs256VerifyOptions } from './hs256-verify';

// The contract: verifyHs256 says what jose's jwtVerify (as JwtAuthenticator called it) says, on the
// same token — the same payload, or a failure of the same jose error class and claim.

const secret = 'test-secret-that-is-long-enough';
const key = createSecretKey(Buffer.from(secret));
const nowMs = Date.UTC(2026, 0, 1, 12, 0, 0, 500);
const now = Math.floor(nowMs / 1000);
const loose: Hs256VerifyOptions = { clockTolerance: 30, nowMs };
const strict: Hs256VerifyOptions = { issuer: 'https://id.example', audience: 'pushwire', clockTolerance: 30, nowMs };

type Outcome = { payload: unknown } | { error: string; claim?: unknown };

function outcomeOf(e: unknown): Outcome {
  const err = e as Error & { claim?: unknown };
  return { error: err.constructor.name, ...(err.claim !== undefined ? { claim: err.claim } : {}) };
}

async function joseSays(token: string, o: Hs256VerifyOptions): Promise<Outcome> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: o.issuer,
      audience: o.audience,
      clockTolerance: o.clockTolerance,
      currentDate: new Date(o.nowMs),
      requiredClaims: ['exp'],
    });
    return { payload };
  } catch (e) {
    return outcomeOf(e);
  }
}

function oursSays(token: string, o: Hs256VerifyOptions): Outcome {
  try {
    return { payload: verifyHs256(token, key, o) };
  } catch (e) {
    return outcomeOf(e);
  }
}

async function expectSame(token: string, o: Hs256VerifyOptions = loose): Promise<Outcome> {
  const theirs = await joseSays(token, o);
  expect({ token, outcome: oursSays(token, o) }).toEqual({ token, outcome: theirs });
  return theirs;
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
/** A token of any header and payload text, signed (HS256 over its first two parts) with `withSecret`. */
function signed(header: unknown, payload: unknown, withSecret = secret, raw = false): string {
  const input = raw
    ? `${header as string}.${payload as string}`
    : `${b64(JSON.stringify(header) ?? '')}.${b64(JSON.stringify(payload) ?? '')}`;
  return `${input}.${b64(createHmac('sha256', withSecret).update(input).digest())}`;
}

const HS256 = { alg: 'HS256', typ: 'JWT' };
const claims = { sub: 'a1', device_id: 'tv1', device_type: 'tv', iat: now, exp: now + 600, iss: 'https://id.example', aud: 'pushwire' };

describe('verifyHs256, contract-tested against jose', () => {
  it('accepts what jose accepts, with the same payload', async () => {
    expect(await expectSame(signed(HS256, claims), strict)).toEqual({ payload: claims });
    await expectSame(signed({ alg: 'HS256' }, { exp: now + 1 }));
    await expectSame(signed(HS256, { ...claims, aud: ['other', 'pushwire'] }), strict);
    await expectSame(signed({ alg: 'HS256', crit: ['b64'], b64: true }, claims), strict);
  });

  it('refuses a bad signature, another secret, a tampered payload and alg none or other algorithms', async () => {
    const good = signed(HS256, claims);
    const [h, p, s] = good.split('.') as [string, string, string];
    const outcomes = [
      await expectSame(`${h}.${p}.${s.slice(0, -2)}AA`),
      await expectSame(signed(HS256, claims, 'another-secret-of-enough-length')),
      await expectSame(`${h}.${b64(JSON.stringify({ ...claims, sub: 'a2' }))}.${s}`),
      await expectSame(`${h}.${p}.`),
      await expectSame(`${b64(JSON.stringify({ alg: 'none' }))}.${p}.`),
      await expectSame(signed({ alg: 'none' }, claims)),
      await expectSame(signed({ alg: 'HS384' }, claims)),
      await expectSame(signed({ alg: 'RS256' }, claims)),
      await expectSame(signed({ alg: 'hs256' }, claims)),
      await expectSame(signed({ alg: '' }, claims)),
      await expectSame(signed({ alg: 256 }, claims)),
      await expectSame(signed({}, claims)),
    ];
    for (const o of outcomes) expect(o).not.toHaveProperty('payload');
  });

  it('refuses expired tokens (exp within the tolerance passes, as in jose) and unparsable time claims', async () => {
    expect(await expectSame(signed(HS256, { ...claims, exp: now - 31 }))).toEqual({ error: 'JWTExpired', claim: 'exp' });
    await expectSame(signed(HS256, { ...claims, exp: now - 30 }));
    await expectSame(signed(HS256, { ...claims, exp: now - 29 }));
    await expectSame(signed(HS256, { ...claims, exp: String(now + 60) }));
    await expectSame(signed(HS256, { ...claims, iat: 'yesterday' }));
    await expectSame(signed(HS256, { ...claims, iat: null }));
    await expectSame(signed(HS256, { sub: 'a1' }));
  });

  it('refuses nbf in the future beyond the tolerance, and a non-numeric nbf', async () => {
    expect(await expectSame(signed(HS256, { ...claims, nbf: now + 31 }))).toEqual({ error: 'JWTClaimValidationFailed', claim: 'nbf' });
    await expectSame(signed(HS256, { ...claims, nbf: now + 30 }));
    await expectSame(signed(HS256, { ...claims, nbf: '0' }));
  });

  it('refuses a wrong or missing issuer or audience, reporting the claim jose reports first', async () => {
    const cases = [
      { ...claims, iss: 'https://evil.example' },
      { ...claims, iss: undefined },
      { ...claims, iss: ['https://id.example'] },
      { ...claims, aud: 'other' },
      { ...claims, aud: undefined },
      { ...claims, aud: ['other'] },
      { ...claims, aud: { pushwire: true } },
      { ...claims, iss: undefined, aud: undefined, exp: undefined },
      { ...claims, aud: 'other', exp: now - 100 },
    ];
    for (const c of cases) expect(await expectSame(signed(HS256, c), strict)).not.toHaveProperty('payload');
  });

  it('refuses malformed tokens: parts, encodings, JSON, crit and unencoded payloads', async () => {
    const good = signed(HS256, claims);
    for (const token of [
      '',
      'x',
      'a.b',
      'a.b.c.d',
      `${good}.`,
      '..',
      good.replace(/\./g, '..'),
      `${good}==`,
      good.replace(/-/g, '+').replace(/_/g, '/'),
      `\ud800${good}`,
      signed('not json', 'x', secret, true),
      signed(b64('{"alg":"HS256"'), b64('{}'), secret, true),
      signed(b64('\ufeff{"alg":"HS256"}'), b64(JSON.stringify(claims)), secret, true),
      signed(b64('{"alg":"HS256"}'), b64(`\ufeff${JSON.stringify(claims)}`), secret, true),
      signed(b64('{"alg":"HS256"}'), b64('not json'), secret, true),
      signed('', b64(JSON.stringify(claims)), secret, true),
      signed(b64('{"alg":"HS256","alg":"none"}'), b64(JSON.stringify(claims)), secret, true),
      signed(['HS256'], claims),
      signed('HS256', claims),
      signed(null, claims),
      signed(HS256, [claims]),
      signed(HS256, 'claims'),
      signed(HS256, null),
      signed({ alg: 'HS256', crit: ['b64'], b64: false }, claims),
      signed({ alg: 'HS256', crit: ['b64'] }, claims),
      signed({ alg: 'HS256', crit: ['b64'], b64: 'yes' }, claims),
      signed({ alg: 'HS256', crit: ['exp'] }, claims),
      signed({ alg: 'HS256', crit: [] }, claims),
      signed({ alg: 'HS256', crit: [''] }, claims),
      signed({ alg: 'HS256', crit: 'b64', b64: true }, claims),
      signed({ alg: 'HS256', crit: null }, claims),
      signed({ alg: 'HS256', b64: false }, claims),
    ])
      await expectSame(token, strict);
  });

  it('agrees with jose on arbitrary claims and headers (property)', async () => {
    const time = fc.oneof(fc.integer({ min: now - 120, max: now + 120 }), fc.jsonValue());
    const text = fc.oneof(fc.constantFrom('https://id.example', 'pushwire', 'other'), fc.jsonValue());
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            alg: fc.oneof(fc.constant('HS256'), fc.constantFrom('none', 'HS512', 'ES256'), fc.jsonValue()),
            crit: fc.jsonValue(),
            b64: fc.jsonValue(),
          },
          { requiredKeys: [] },
        ),
        fc.record(
          { exp: time, nbf: time, iat: time, iss: text, aud: fc.oneof(text, fc.array(text)), sub: fc.string() },
          { requiredKeys: [] },
        ),
        fc.boolean(),
        fc.boolean(),
        async (header, payload, rightSecret, strictOptions) => {
          await expectSame(signed(header, payload, rightSecret ? secret : 'wrong'), strictOptions ? strict : loose);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('agrees with jose on a valid token with characters changed, added or removed (property)', async () => {
    const good = signed(HS256, claims);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: good.length - 1 }),
        fc.nat({ max: 3 }),
        fc.constantFrom('.', 'A', '_', '-', '=', '+', '/', ' ', 'é', '\0'),
        async (at, remove, insert) => {
          await expectSame(good.slice(0, at) + insert + good.slice(at + remove), strict);
          await expectSame(good.slice(0, at) + good.slice(at + remove + 1), strict);
        },
      ),
      { numRuns: 400 },
    );
  });
});
