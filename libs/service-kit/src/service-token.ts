import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The credential of an `Authorization: Bearer …` header, or undefined for another scheme. The
 * scheme is case-insensitive (RFC 7235), so `bearer` and `BEARER` work too.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization || authorization.length < 7 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return authorization.slice(7).trim();
}

/**
 * Compares `Authorization: Bearer <token>` against the shared service token in constant time
 * (hashing both first so lengths never leak).
 */
export function serviceTokenMatches(authorizationHeader: string | undefined, expected: string): boolean {
  const token = bearerToken(authorizationHeader);
  if (token === undefined) return false;
  const given = createHash('sha256').update(token).digest();
  const want = createHash('sha256').update(expected).digest();
  return timingSafeEqual(given, want);
}
