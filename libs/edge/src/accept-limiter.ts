import { refill } from './token-bucket';

/** Why a new connection is refused, and when its device should come back. */
export interface AcceptRefusal {
  code: 'overloaded';
  retryAfterSeconds: number;
}

export interface AcceptLimiterOptions {
  /** New connections admitted per second, sustained (token bucket); 0 admits all. */
  perSecond: number;
  /** Connections admitted at once after a quiet spell. Default `perSecond` (one second's worth). */
  burst?: number;
  /** Cap of the Retry-After the edge asks for. */
  maxRetryAfterSeconds: number;
  now: () => number;
}

/**
 * The edge's accept-rate limit against reconnect herds (a drained or crashed edge sends its devices
 * to the others all at once). It is asked before any upgrade work — JWT verification, the socket,
 * registration — so refusing costs a short HTTP answer.
 *
 * Retry-After grows with the herd: refusals in the current second are counted, and a device refused
 * after k others is told to come back after 1 + ⌊k / perSecond⌋ seconds — the time the edge needs to
 * admit everybody ahead of it. Everybody told "1" would return together and be refused again; the
 * SDK adds jitter on top, which spreads each second's cohort over the following one.
 */
export class AcceptLimiter {
  private tokens = 0;
  private tokensAt = 0;
  private refusedInWindow = 0;
  private windowStartedAt = 0;
  private readonly burst: number;

  constructor(private readonly opts: AcceptLimiterOptions) {
    this.burst = Math.max(1, opts.burst ?? opts.perSecond);
  }

  /** Takes one accept; undefined when admitted, else the refusal to answer with. */
  admit(): AcceptRefusal | undefined {
    const { perSecond, now } = this.opts;
    if (perSecond <= 0) return undefined;
    const t = now();
    this.tokens = refill(this.tokens, this.tokensAt, t, perSecond, this.burst);
    this.tokensAt = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    if (t - this.windowStartedAt >= 1000) {
      this.windowStartedAt = t;
      this.refusedInWindow = 0;
    }
    const ahead = this.refusedInWindow++;
    return { code: 'overloaded', retryAfterSeconds: Math.min(this.opts.maxRetryAfterSeconds, 1 + Math.floor(ahead / perSecond)) };
  }
}
