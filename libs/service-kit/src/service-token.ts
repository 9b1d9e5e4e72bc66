import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares `Authorization: Bearer <token>` against the shared service token in constant time
 * (hashing both first so lengths never leak).
 */
export function serviceTokenMatches(authorizationHeader: string | undefined, expected: string): boolean {
  if (!authorizationHeader?.startsWith('Bearer ')) return false;
  const given = createHash('sha256').update(authorizationHeader.slice(7)).digest();
  const want = createHash('sha256').update(expected).digest();
  return timingSafeEqual(given, want);
}
