/**
 * Token-bucket arithmetic for per-connection rate limits, on plain numbers so that each limit lives
 * as two fields of the Connection (no object per connection): `tokens` left and when they were last
 * refilled. A fresh bucket (`tokensAt` 0) starts full.
 */
export function refill(tokens: number, tokensAt: number, now: number, perSecond: number, burst: number): number {
  if (tokensAt === 0) return burst;
  return Math.min(burst, tokens + ((now - tokensAt) / 1000) * perSecond);
}
