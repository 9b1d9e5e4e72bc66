import { fullJitterDelay } from '@pushwire/backoff';
import { CloseCode } from '@pushwire/protocol/core';
import { DeviceClientError } from './errors';
import type { TransportClose } from './transports/transport';

/** Everything the decision depends on, so it is a pure function that tests can table-drive. */
export interface CloseContext {
  close: TransportClose;
  /** Failed attempts since the last `welcome` (0 right after a connection that reached welcome). */
  attempt: number;
  /** `afterMs` of a `reconnect` frame received on the connection that just ended. */
  reconnectHintMs?: number;
  /** The token is a function, so a fresh one may fix a 401. */
  canRefreshToken: boolean;
  /** A 401 was already retried with a fresh token since the last welcome. */
  authRetried: boolean;
  reconnect: { enabled: boolean; baseDelayMs: number; maxDelayMs: number; maxAttempts: number };
  random: () => number;
  /**
   * Edges the client fails over between (default 1). A full round over them counts as one backoff
   * step: failing over to the next edge is quick, backing off starts once every edge failed.
   */
  edgeCount?: number;
  /**
   * How long the edge to be tried next asked the client to wait (its earlier Retry-After). Default:
   * the Retry-After of the error that ended this attempt (one edge: the next attempt goes there too).
   */
  waitMs?: number;
}

/** What to do after a connection ended. */
export type CloseDecision =
  { action: 'reconnect'; delayMs: number; authRetry: boolean } | { action: 'stop'; error: DeviceClientError; replaced: boolean };

/**
 * Maps how a connection ended to reconnect-or-stop (DESIGN §6 close codes):
 * 4001 replaced → stop; 401 / 4003 auth failed → stop, unless a fresh token can be fetched once;
 * 4004 token expired → reconnect like after any `reconnect` frame (every connect asks the token
 * function afresh), but stop when the token is a fixed string (the edge would refuse it);
 * a non-retriable error → stop; after a `reconnect` frame → random(0, afterMs); after 503 → at least
 * Retry-After (of the edge tried next: `waitMs`); otherwise full-jitter backoff, one step per round
 * over the `edgeCount` edges, up to `maxAttempts` failures in a row.
 */
export function decideAfterClose(ctx: CloseContext): CloseDecision {
  const { close } = ctx;
  if (close.code === CloseCode.REPLACED) {
    const error = new DeviceClientError('replaced', 'a newer connection of this device replaced this one (close 4001)');
    return { action: 'stop', error, replaced: true };
  }
  if (close.code === CloseCode.TOKEN_EXPIRED && !ctx.canRefreshToken) {
    const error = new DeviceClientError(
      'unauthorized',
      'the token expired (close 4004) and cannot be renewed: pass a function as the token option to get fresh ones',
      false,
    );
    return { action: 'stop', error, replaced: false };
  }
  const authError =
    close.error?.code === 'unauthorized'
      ? close.error
      : close.code === CloseCode.AUTH_FAILED
        ? new DeviceClientError(
            'unauthorized',
            `first-frame authentication failed (close 4003${close.reason ? `: ${close.reason}` : ''})`,
            false,
          )
        : undefined;
  if (authError) {
    if (ctx.canRefreshToken && !ctx.authRetried && ctx.reconnect.enabled) return { action: 'reconnect', delayMs: 0, authRetry: true };
    return { action: 'stop', error: authError, replaced: false };
  }
  const error =
    close.error ??
    new DeviceClientError('connection_lost', `connection closed (${close.code}${close.reason ? ` ${close.reason}` : ''})`, true);
  if (!error.retriable || !ctx.reconnect.enabled || ctx.attempt >= ctx.reconnect.maxAttempts) {
    return { action: 'stop', error, replaced: false };
  }
  const { baseDelayMs, maxDelayMs } = ctx.reconnect;
  // After a 503 the edge said when to come back; jitter on top spreads the herd past that instant.
  const waitMs = ctx.waitMs ?? error.retryAfterMs ?? 0;
  if (ctx.reconnectHintMs !== undefined) {
    return { action: 'reconnect', delayMs: waitMs + Math.floor(ctx.random() * ctx.reconnectHintMs), authRetry: false };
  }
  const round = Math.floor(ctx.attempt / Math.max(1, ctx.edgeCount ?? 1));
  const jitter = fullJitterDelay(round, baseDelayMs, maxDelayMs, ctx.random);
  return { action: 'reconnect', delayMs: waitMs + jitter, authRetry: false };
}
