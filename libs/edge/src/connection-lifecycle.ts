import type { WebSocket } from '@pushwire/uws';
import type { DeviceIdentity } from '@pushwire/auth';
import { CloseCode } from '@pushwire/protocol';
import type { AckWaiter } from './acks';
import { publicAuthMessage, type Admission } from './admission';
import { Connection, internDeviceType, internTopicPatterns, Phase, Transport, type SocketData } from './connection';
import type { ConnectionTable } from './connection-table';
import type { EdgeMetrics } from './edge-metrics';
import type { Presence } from './presence';
import { RandomIds } from './random-ids';
import type { LocalSubscribers } from './topics/local-subscribers';
import { closeConnection, sendErrorFrame, sendServerFrame } from './transport';

/** The edge config's fields of the same names. */
export interface LifecycleOptions {
  /** First-frame auth: how long a socket may stay unauthenticated. */
  noauthTtlSeconds: number;
  /** A connection lives at most this long, less a random dither and the close grace (its registration's TTL). */
  registryTtlSeconds: number;
  reconnectDitherSeconds: number;
  closeGraceSeconds: number;
  /** Told to the device in `welcome`. */
  heartbeatSeconds: number;
}

export interface ConnectionLifecycleDeps {
  table: ConnectionTable;
  /** The waits for acks, ended when their connection closes. */
  acks: Pick<AckWaiter, 'connectionClosed'>;
  /** Verifies first-frame auth tokens. */
  admission: Pick<Admission, 'authenticate'>;
  presence: Pick<Presence, 'connected' | 'disconnected'>;
  /** Topic subscriptions: an open connection joins its device type's broadcasts; a closed one's subscriptions end. */
  topics?: Pick<LocalSubscribers, 'opened' | 'closed'>;
  metrics: Pick<EdgeMetrics, 'accepts' | 'closed'>;
  now: () => number;
  random: () => number;
}

/**
 * A device connection from socket to close: created (identified when the token came with the
 * request), attached to its socket, opened — replacing the device's older connection, registered,
 * welcomed — or first authenticated by an `auth` frame, then detached however it ends. Every
 * connection is a flat `Connection`: the lifecycle keeps no closure or timer per connection; the
 * sweeper ends what outlives its deadline.
 */
export class ConnectionLifecycle {
  /** Connection ids: 9 random bytes (12 base64url characters), as before. */
  private readonly connectionIds = new RandomIds(9);
  /** Sockets waiting for their first-frame auth (the sweeper ends them at their deadline). */
  readonly authenticating = new Set<Connection>();
  private sseCount = 0;
  /** The accepts counter's two series, looked up once rather than by label on every accept. */
  private readonly accepted: Record<Transport, { inc(): void }>;

  constructor(
    private readonly opts: LifecycleOptions,
    private readonly deps: ConnectionLifecycleDeps,
  ) {
    this.accepted = {
      [Transport.WebSocket]: deps.metrics.accepts.labels('websocket'),
      [Transport.Sse]: deps.metrics.accepts.labels('sse'),
    };
  }

  /** Open connections by transport, and sockets still authenticating (metrics). */
  counts(): { websocket: number; sse: number; authenticating: number } {
    return { websocket: this.deps.table.size - this.sseCount, sse: this.sseCount, authenticating: this.authenticating.size };
  }

  /** A new connection object; identity filled in when known (header/query auth), else first-frame auth follows. */
  newConnection(transport: Transport, identity: DeviceIdentity | undefined): Connection {
    const c = new Connection(transport, this.connectionIds.next(), identity ? Phase.Open : Phase.Authenticating);
    if (identity) identify(c, identity);
    return c;
  }

  /** The socket is up: first-frame-auth sockets start their auth deadline, others open. */
  attached(c: Connection): void {
    if (c.phase === Phase.Authenticating) {
      c.deadline = this.deps.now() + this.opts.noauthTtlSeconds * 1000;
      this.authenticating.add(c);
      return;
    }
    this.open(c);
  }

  /**
   * First-frame auth: verify the token and open the connection, or close it 4003. The promise
   * settles once that is done (never rejects); the frame handler does not wait for it.
   */
  authenticateFirstFrame(c: Connection, token: string): Promise<void> {
    this.authenticating.delete(c); // only one auth frame is ever processed
    c.deadline = Number.MAX_SAFE_INTEGER;
    return this.deps.admission.authenticate(token).then(
      (identity) => {
        if (c.phase !== Phase.Authenticating) return; // closed meanwhile
        identify(c, identity);
        c.phase = Phase.Open;
        this.open(c);
      },
      (err) => {
        if (c.phase !== Phase.Authenticating) return;
        sendErrorFrame(c, 'unauthorized', publicAuthMessage(err));
        this.close(c, CloseCode.AUTH_FAILED, 'authentication failed');
      },
    );
  }

  /**
   * In-band token refresh: an `auth` frame on an open connection replaces its token before it
   * expires. The fresh token must be valid and name the same account and device (anything else
   * would let one device's connection continue as another); then the connection lives on until
   * the new expiry, answered `auth.result`. Otherwise: an error frame and close 4003. The
   * promise settles once that is done (never rejects).
   */
  refreshToken(c: Connection, token: string): Promise<void> {
    return this.deps.admission.authenticate(token).then(
      (identity) => {
        if (c.phase === Phase.Closed) return;
        if (identity.accountId !== c.accountId || identity.deviceId !== c.deviceId) {
          sendErrorFrame(c, 'forbidden', "the token is another device's: a connection keeps its account and device");
          this.close(c, CloseCode.AUTH_FAILED, 'token refresh for another device');
          return;
        }
        c.tokenExpiresAt = expirySeconds(identity);
        // The fresh token's topics decide later subscribes; topics already subscribed stay.
        c.topics = internTopicPatterns(identity.topics);
        sendServerFrame(c, { type: 'auth.result', ...tokenExpiry(c), serverTime: this.deps.now() });
      },
      (err) => {
        if (c.phase === Phase.Closed) return;
        sendErrorFrame(c, 'unauthorized', publicAuthMessage(err));
        this.close(c, CloseCode.AUTH_FAILED, 'token refresh failed');
      },
    );
  }

  /** The socket is gone, whoever closed it: the connection is forgotten, deregistered and announced gone. */
  detached(c: Connection, code: number): void {
    if (c.phase === Phase.Closed) return;
    c.phase = Phase.Closed;
    c.socket = undefined;
    this.deps.metrics.closed(code);
    this.authenticating.delete(c);
    this.deps.acks.connectionClosed(c);
    this.deps.topics?.closed(c);
    if (this.deps.table.remove(c)) {
      if (c.transport === Transport.Sse) this.sseCount--;
      this.deps.presence.disconnected(c);
    }
  }

  /** Closes a connection with a close code (SSE: a `close` event), and detaches what reports no close itself. */
  close(c: Connection, code: number, reason: string): void {
    if (code === CloseCode.TOO_SLOW && c.transport === Transport.WebSocket && c.socket) {
      // A device too slow to read cannot receive a close frame behind its full buffer: cut it off
      // (the device sees the connection drop), recording why before uWS reports a bare 1006.
      const socket = c.socket as WebSocket<SocketData>;
      this.detached(c, code);
      socket.close();
      return;
    }
    closeConnection(c, code, reason);
    // SSE has no close callback for a stream the server ends; WebSockets report through `close`.
    if (c.transport === Transport.Sse) this.detached(c, code);
  }

  /** Authenticated and attached: replace any older connection, register, welcome. */
  private open(c: Connection): void {
    const now = this.deps.now();
    c.connectedAt = now;
    // A connection never outlives its registration: TTL − random dither − grace (docs/architecture.md, Flows).
    const lifetimeMs =
      (this.opts.registryTtlSeconds - this.deps.random() * this.opts.reconnectDitherSeconds - this.opts.closeGraceSeconds) * 1000;
    c.deadline = now + Math.floor(lifetimeMs);
    const replaced = this.deps.table.add(c);
    if (c.transport === Transport.Sse) this.sseCount++;
    if (replaced) {
      if (replaced.transport === Transport.Sse) this.sseCount--;
      this.deps.acks.connectionClosed(replaced);
      this.close(replaced, CloseCode.REPLACED, 'replaced by a newer connection');
    }
    this.accepted[c.transport].inc();
    this.deps.presence.connected(c);
    this.deps.topics?.opened(c);
    sendServerFrame(c, {
      type: 'welcome',
      protocol: 1,
      connectionId: c.connectionId,
      deviceId: c.deviceId,
      accountId: c.accountId,
      heartbeatSeconds: this.opts.heartbeatSeconds,
      maxLifetimeSeconds: Math.max(1, Math.floor(lifetimeMs / 1000)),
      serverTime: now,
      ...tokenExpiry(c),
    });
  }
}

function identify(c: Connection, id: DeviceIdentity): void {
  c.deviceId = id.deviceId;
  c.accountId = id.accountId;
  c.deviceType = internDeviceType(id.deviceType);
  c.deviceName = id.deviceName;
  c.topics = internTopicPatterns(id.topics);
  c.tokenExpiresAt = expirySeconds(id);
}

/** The credential's expiry in whole epoch seconds (a JWT may say 1.5e9 + 0.5), 0 for none. */
function expirySeconds(id: DeviceIdentity): number {
  return id.expiresAt !== undefined ? Math.floor(id.expiresAt) : 0;
}

/** `tokenExpiresAt` in ms for `welcome` and `auth.result`, when the credential expires at all. */
function tokenExpiry(c: Connection): { tokenExpiresAt?: number } {
  return c.tokenExpiresAt !== 0 ? { tokenExpiresAt: c.tokenExpiresAt * 1000 } : {};
}
