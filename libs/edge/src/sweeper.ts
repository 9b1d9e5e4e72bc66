import { CloseCode, encodeFrame, type ServerFrameOf } from '@pushwire/protocol';
import { Phase, Transport, type Connection } from './connection';
import type { ConnectionTable } from './connection-table';
import { bufferedBytes, sendFrame, sseHeartbeat } from './transport';

export interface SweeperOptions {
  closeGraceMs: number;
  /** Spread of the reconnects asked for when a lifetime ends (devices wait random(0, this)). */
  reconnectSpreadMs: number;
  sendBufferBytes: number;
  slowConsumerMs: number;
  heartbeatMs: number;
  /** Counts the reconnect frames sent, by reason (metrics). */
  onReconnectAsked?: (reason: ReconnectReason) => void;
}

/** Why the edge asks a device to reconnect: its lifetime ended, the edge drains, or its token expired. */
export type ReconnectReason = ServerFrameOf<'reconnect'>['reason'];

/**
 * One periodic pass over all connections instead of timers per connection: ends first-frame-auth
 * sockets past their deadline, sends `reconnect` when a lifetime ends or the token expires and
 * closes after the grace (4000, or 4004 when the token expired), closes devices stuck over the
 * send-buffer limit, and writes SSE heartbeats.
 */
export class Sweeper {
  private lastHeartbeat = 0;
  private reconnectReason: 'lifetime' | 'drain' = 'lifetime';

  constructor(
    private readonly table: ConnectionTable,
    private readonly authenticating: Set<Connection>,
    private readonly opts: SweeperOptions,
    private readonly close: (c: Connection, code: number, reason: string) => void,
  ) {}

  sweep(now: number): void {
    for (const c of this.authenticating) {
      if (now >= c.deadline) this.close(c, CloseCode.AUTH_FAILED, 'authentication timeout');
    }
    const heartbeat = now - this.lastHeartbeat >= this.opts.heartbeatMs;
    if (heartbeat) this.lastHeartbeat = now;
    this.now = now;
    this.heartbeat = heartbeat;
    this.table.forEach(this.visit);
  }

  // The pass's clock and heartbeat, read by `visit`: one bound callback for every connection of
  // every pass (forEach, not a generator resumed per connection; no closure per pass).
  private now = 0;
  private heartbeat = false;
  private readonly visit = (c: Connection): void => {
    const now = this.now;
    // A token that expired ends the connection like a lifetime does, unless an `auth` frame renewed it.
    const tokenExpired = c.tokenExpiresAt !== 0 && now >= c.tokenExpiresAt * 1000;
    if (now >= c.deadline || tokenExpired) {
      if (c.phase === Phase.Open) {
        const reason = tokenExpired ? 'token_expired' : this.reconnectReason;
        c.phase = Phase.Closing;
        c.deadline = now + this.opts.closeGraceMs;
        sendFrame(c, encodeFrame({ type: 'reconnect', afterMs: this.opts.reconnectSpreadMs, reason }));
        this.opts.onReconnectAsked?.(reason);
        return;
      }
      if (c.phase === Phase.Closing && now >= c.deadline) {
        if (tokenExpired) this.close(c, CloseCode.TOKEN_EXPIRED, 'token expired');
        else this.close(c, CloseCode.RECONNECT, 'reconnect');
        return;
      }
    }
    if (bufferedBytes(c) >= this.opts.sendBufferBytes) {
      if (c.overLimitSince === 0) c.overLimitSince = now;
      else if (now - c.overLimitSince >= this.opts.slowConsumerMs) {
        this.close(c, CloseCode.TOO_SLOW, 'too slow');
        return;
      }
    } else {
      c.overLimitSince = 0;
    }
    if (this.heartbeat && c.transport === Transport.Sse) sseHeartbeat(c);
  };

  /** Asks every connection to reconnect at a random moment within `windowMs` (drain). */
  spreadDeadlines(now: number, windowMs: number, random: () => number): void {
    this.reconnectReason = 'drain';
    for (const c of this.table.values()) {
      if (c.phase === Phase.Open) c.deadline = Math.min(c.deadline, now + Math.floor(random() * windowMs));
    }
  }
}
