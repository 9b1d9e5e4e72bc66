/**
 * The credential of an `Authorization: Bearer …` header, or undefined for another scheme. The
 * scheme is case-insensitive (RFC 7235), so `bearer` and `BEARER` work too.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization || authorization.length < 7 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return authorization.slice(7).trim();
}
