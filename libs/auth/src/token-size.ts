import { MAX_TOKEN_BYTES } from '@pushwire/protocol';
import { AuthError } from './device-identity';

/**
 * Refuses a token over MAX_TOKEN_BYTES (UTF-8) before any JWT work: decoding and verifying a
 * 100 KB "token" costs far more than answering 401, and no issuer mints one that large.
 */
export function checkTokenSize(token: string): void {
  // Characters ≤ bytes ≤ 3 × characters: measure only when the length alone cannot decide.
  const oversized =
    token.length > MAX_TOKEN_BYTES || (token.length * 3 > MAX_TOKEN_BYTES && Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES);
  if (oversized) throw new AuthError('oversized_token', `the device token exceeds ${MAX_TOKEN_BYTES} bytes`);
}
