import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { errors as joseErrors, type JWTPayload } from 'jose';

/** The checks jose's jwtVerify makes that a device token verification asks for. */
export interface Hs256VerifyOptions {
  /** Required `iss` (jose's `issuer`); not checked when absent. */
  issuer?: string;
  /** Required in `aud` (jose's `audience`); not checked when absent. */
  audience?: string;
  /** Seconds of tolerance for `nbf` and `exp` (jose's `clockTolerance`). */
  clockTolerance: number;
  /** Now, epoch ms (jose's `currentDate`). */
  nowMs: number;
}

/** jose decodes headers and claims with a TextDecoder (it drops a leading BOM, where Buffer#toString keeps it). */
const utf8 = new TextDecoder();

/**
 * jose's `jwtVerify(token, secretKey, { algorithms: ['HS256'], requiredClaims: ['exp'], issuer,
 * audience, clockTolerance, currentDate })` done synchronously with node:crypto: the same checks in
 * the same order, failing with the same jose error classes (and claims), so the caller maps them as
 * before. jose's verify is async and builds a dozen buffers and promises per token: about a third of
 * the edge's CPU per accept, measured. Other algorithms and key kinds stay with jose.
 * Contract-tested against jose on the same tokens (hs256-verify.spec.ts).
 */
export function verifyHs256(token: string, key: KeyObject, o: Hs256VerifyOptions): JWTPayload {
  // compactVerify
  const dot1 = token.indexOf('.');
  const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
  if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) throw new joseErrors.JWSInvalid('Invalid Compact JWS');
  const protectedB64 = token.slice(0, dot1);
  // flattenedVerify: the protected header
  let header: unknown = {};
  if (protectedB64) {
    try {
      header = JSON.parse(utf8.decode(Buffer.from(protectedB64, 'base64url')));
    } catch {
      throw new joseErrors.JWSInvalid('JWS Protected Header is invalid');
    }
  }
  const h = (typeof header === 'object' && header !== null ? header : {}) as Record<string, unknown>;
  const b64 = criticalB64(h);
  const { alg } = h;
  if (typeof alg !== 'string' || !alg) throw new joseErrors.JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid');
  if (alg !== 'HS256') throw new joseErrors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  // The signature over the signing input, which is the token up to its second dot.
  const signature = Buffer.from(token.slice(dot2 + 1), 'base64url');
  const expected = createHmac('sha256', key).update(token.slice(0, dot2)).digest();
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) throw new joseErrors.JWSSignatureVerificationFailed();
  // jwtVerify
  if (b64 === false) throw new joseErrors.JWTInvalid('JWTs MUST NOT use unencoded payload');
  let payload: unknown;
  try {
    payload = JSON.parse(utf8.decode(Buffer.from(token.slice(dot1 + 1, dot2), 'base64url')));
  } catch {
    // jose: not an object, below
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new joseErrors.JWTInvalid('JWT Claims Set must be a top-level JSON object');
  return checkClaims(payload as JWTPayload, o);
}

/**
 * jose's validateCrit with `b64` the only extension it knows: `crit`, when present, must list only
 * `b64`, which must be present; then `b64` must be a boolean. Returns `b64`, or undefined without `crit`.
 */
function criticalB64(h: Record<string, unknown>): boolean | undefined {
  const { crit } = h;
  if (crit === undefined) return undefined;
  if (!Array.isArray(crit) || crit.length === 0 || crit.some((p) => typeof p !== 'string' || p.length === 0))
    throw new joseErrors.JWSInvalid('"crit" (Critical) Header Parameter MUST be an array of non-empty strings when present');
  for (const parameter of crit as string[]) {
    if (parameter !== 'b64') throw new joseErrors.JOSENotSupported(`Extension Header Parameter "${parameter}" is not recognized`);
    if (h.b64 === undefined) throw new joseErrors.JWSInvalid(`Extension Header Parameter "${parameter}" is missing`);
  }
  if (typeof h.b64 !== 'boolean')
    throw new joseErrors.JWSInvalid('The "b64" (base64url-encode payload) Header Parameter must be a boolean');
  return h.b64;
}

/** jose's claim checks (lib/jwt_claims_set.js) for these options, in its order. */
function checkClaims(payload: JWTPayload, o: Hs256VerifyOptions): JWTPayload {
  // Presence, in jose's order: the options' claims last first.
  if (o.issuer !== undefined && !('iss' in payload)) throw claimFailed(payload, 'iss', 'missing');
  if (o.audience !== undefined && !('aud' in payload)) throw claimFailed(payload, 'aud', 'missing');
  if (!('exp' in payload)) throw claimFailed(payload, 'exp', 'missing');
  if (o.issuer && payload.iss !== o.issuer) throw claimFailed(payload, 'iss', 'check_failed', 'unexpected "iss" claim value');
  if (o.audience && !hasAudience(payload.aud, o.audience))
    throw claimFailed(payload, 'aud', 'check_failed', 'unexpected "aud" claim value');
  const tolerance = o.clockTolerance;
  const now = Math.floor(Math.trunc(o.nowMs) / 1000);
  if (payload.iat !== undefined && typeof payload.iat !== 'number') throw claimFailed(payload, 'iat', 'invalid');
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== 'number') throw claimFailed(payload, 'nbf', 'invalid');
    if (payload.nbf > now + tolerance) throw claimFailed(payload, 'nbf', 'check_failed', '"nbf" claim timestamp check failed');
  }
  if (payload.exp !== undefined) {
    if (typeof payload.exp !== 'number') throw claimFailed(payload, 'exp', 'invalid');
    if (payload.exp <= now - tolerance)
      throw new joseErrors.JWTExpired('"exp" claim timestamp check failed', payload, 'exp', 'check_failed');
  }
  return payload;
}

/** jose's JWTClaimValidationFailed, with jose's message for a missing or non-numeric claim. */
function claimFailed(payload: JWTPayload, claim: string, reason: string, message?: string): Error {
  const text = message ?? (reason === 'missing' ? `missing required "${claim}" claim` : `"${claim}" claim must be a number`);
  return new joseErrors.JWTClaimValidationFailed(text, payload, claim, reason);
}

function hasAudience(aud: unknown, audience: string): boolean {
  if (typeof aud === 'string') return aud === audience;
  return Array.isArray(aud) && aud.includes(audience);
}
