import { JwtAuthenticator, mintDeviceToken, type DeviceIdentity } from '@pushwire/auth';
import { CloseCode, type DeviceConnectionEvent, type Registration } from '@pushwire/protocol';
import { createMetricsRegistry } from '@pushwire/service-kit';
import { AcceptLimiter } from './accept-limiter';
import { AckWaiter } from './acks';
import { Admission } from './admission';
import { Phase, Transport } from './connection';
import { ConnectionLifecycle } from './connection-lifecycle';
import { ConnectionTable } from './connection-table';
import { EdgeMetrics } from './edge-metrics';
import { Presence } from './presence';
import { attachFakeSse, attachFakeWebSocket } from './testing/fake-sockets';

// The lifecycle with its real neighbours (table, ack waits, presence, admission with a real JWT
// authenticator) on fake sockets, a hand-set clock and a fixed random draw; what goes to the
// registry and the bus is recorded.

const SECRET = 'lifecycle-spec-secret-0123456789';
const T0 = 1_700_000_000_000;
const OPTIONS = { noauthTtlSeconds: 10, registryTtlSeconds: 120, reconnectDitherSeconds: 20, closeGraceSeconds: 5, heartbeatSeconds: 30 };
/** With random() = 0.5: 120 − 0.5 × 20 − 5 seconds. */
const LIFETIME_MS = 105_000;

describe('ConnectionLifecycle', () => {
  let time: number;
  let table: ConnectionTable;
  let acks: AckWaiter;
  let registry: { op: 'register' | 'deregister'; deviceId: string; connectionId: string; registration?: Registration }[];
  let events: DeviceConnectionEvent[];
  let presence: Presence;
  let lifecycle: ConnectionLifecycle;

  beforeEach(() => {
    time = T0;
    table = new ConnectionTable();
    acks = new AckWaiter(60_000, () => time);
    registry = [];
    events = [];
    const now = () => time;
    const metrics = new EdgeMetrics(createMetricsRegistry('edge-lifecycle-spec', false), () => lifecycle.counts());
    presence = new Presence({
      edgeId: 'edge-1',
      edgeUrl: () => 'http://edge-1.internal:8081',
      registryTtlSeconds: OPTIONS.registryTtlSeconds,
      registrations: {
        register: (r) => registry.push({ op: 'register', deviceId: r.deviceId, connectionId: r.connectionId, registration: r }),
        deregister: (device, connectionId) => registry.push({ op: 'deregister', deviceId: device.deviceId, connectionId }),
      },
      events: { publish: (e) => events.push(e) },
      now,
    });
    const admission = new Admission({
      authenticator: new JwtAuthenticator({ key: { secret: SECRET } }),
      limiter: new AcceptLimiter({ perSecond: 0, maxRetryAfterSeconds: 30, now }),
      metrics,
    });
    lifecycle = new ConnectionLifecycle(OPTIONS, { table, acks, admission, presence, metrics, now, random: () => 0.5 });
  });
  afterEach(() => acks.close());

  const identity = (deviceId: string, accountId = 'a1'): DeviceIdentity => ({
    accountId,
    deviceId,
    deviceType: 'tv',
    deviceName: 'Living room',
  });
  /** A connection authenticated by its request, attached to a fake WebSocket. */
  const connectWs = (deviceId: string, accountId = 'a1') => {
    const c = lifecycle.newConnection(Transport.WebSocket, identity(deviceId, accountId));
    const socket = attachFakeWebSocket(c);
    lifecycle.attached(c);
    return { c, socket };
  };

  it('opens an authenticated connection: table, registration, announcement, welcome', () => {
    const { c, socket } = connectWs('tv1');
    expect(c.phase).toBe(Phase.Open);
    expect(table.get('a1', 'tv1')).toBe(c);
    expect(c.connectedAt).toBe(T0);
    expect(c.deadline).toBe(T0 + LIFETIME_MS);
    expect(registry).toEqual([
      {
        op: 'register',
        deviceId: 'tv1',
        connectionId: c.connectionId,
        registration: {
          deviceId: 'tv1',
          accountId: 'a1',
          deviceType: 'tv',
          deviceName: 'Living room',
          edgeId: 'edge-1',
          edgeUrl: 'http://edge-1.internal:8081',
          connectionId: c.connectionId,
          connectedAt: T0,
          expiresAt: T0 / 1000 + OPTIONS.registryTtlSeconds,
        },
      },
    ]);
    expect(events).toEqual([expect.objectContaining({ kind: 'connected', deviceId: 'tv1', connectionId: c.connectionId, at: T0 })]);
    expect(socket.frames()).toEqual([
      {
        type: 'welcome',
        protocol: 1,
        connectionId: c.connectionId,
        deviceId: 'tv1',
        accountId: 'a1',
        heartbeatSeconds: OPTIONS.heartbeatSeconds,
        maxLifetimeSeconds: LIFETIME_MS / 1000,
        serverTime: T0,
      },
    ]);
    expect(lifecycle.counts()).toEqual({ websocket: 1, sse: 0, authenticating: 0 });
  });

  it('replaces an older connection of the same device: closes it 4001 and ends its ack waits, without deregistering the newer', async () => {
    const older = connectWs('tv1');
    const waiting = acks.wait(older.c, 'm1');
    const newer = connectWs('tv1');
    expect(table.get('a1', 'tv1')).toBe(newer.c);
    expect(older.socket.ended).toEqual({ code: CloseCode.REPLACED, reason: 'replaced by a newer connection' });
    await expect(waiting).resolves.toBe('ack_timeout');

    lifecycle.detached(older.c, CloseCode.REPLACED); // uWS reports the close of the replaced socket
    expect(registry.map((r) => r.op)).toEqual(['register', 'register']);
    expect(events.map((e) => e.kind)).toEqual(['connected', 'connected']);
    expect(lifecycle.counts().websocket).toBe(1);
  });

  it('replaces nothing for a device of another account with the same id: both stay open and registered', () => {
    const mine = connectWs('tv9');
    const theirs = connectWs('tv9', 'evil');
    expect(mine.socket.ended).toBeUndefined();
    expect([table.get('a1', 'tv9'), table.get('evil', 'tv9')]).toEqual([mine.c, theirs.c]);
    expect(registry.map((r) => [r.op, r.registration?.accountId])).toEqual([
      ['register', 'a1'],
      ['register', 'evil'],
    ]);
    lifecycle.detached(theirs.c, 1000);
    expect(table.get('a1', 'tv9')).toBe(mine.c);
    expect(lifecycle.counts().websocket).toBe(1);
  });

  it('detaches once: forgets, deregisters and announces the disconnect, later than the connect in the same millisecond', () => {
    const { c } = connectWs('tv1');
    lifecycle.detached(c, 1000);
    lifecycle.detached(c, 1006);
    expect(c.phase).toBe(Phase.Closed);
    expect(c.socket).toBeUndefined();
    expect(table.size).toBe(0);
    expect(registry.at(-1)).toEqual({ op: 'deregister', deviceId: 'tv1', connectionId: c.connectionId });
    expect(events.map((e) => [e.kind, e.at])).toEqual([
      ['connected', T0],
      ['disconnected', T0 + 1],
    ]);
  });

  it('counts SSE streams apart, and detaches a closed SSE stream at once (it reports no close)', () => {
    const c = lifecycle.newConnection(Transport.Sse, identity('browser1'));
    const stream = attachFakeSse(c);
    lifecycle.attached(c);
    connectWs('tv1');
    expect(lifecycle.counts()).toEqual({ websocket: 1, sse: 1, authenticating: 0 });
    lifecycle.close(c, CloseCode.RECONNECT, 'reconnect');
    expect(stream.written.at(-1)).toBe(`event: close\ndata: ${JSON.stringify({ code: CloseCode.RECONNECT, reason: 'reconnect' })}\n\n`);
    expect(stream.ended).toBe(true);
    expect(c.phase).toBe(Phase.Closed);
    expect(lifecycle.counts()).toEqual({ websocket: 1, sse: 0, authenticating: 0 });
  });

  it('cuts a too-slow WebSocket off without a close frame, recording it as detached', () => {
    const { c, socket } = connectWs('tv1');
    lifecycle.close(c, CloseCode.TOO_SLOW, 'too slow');
    expect(socket.closed).toBe(true);
    expect(socket.ended).toBeUndefined();
    expect(c.phase).toBe(Phase.Closed);
    expect(table.size).toBe(0);
  });

  it('re-registers and re-announces every live connection after a lease loss, later than before', () => {
    const { c } = connectWs('tv1');
    connectWs('tv2');
    const gone = connectWs('tv3');
    lifecycle.detached(gone.c, 1000);
    registry = [];
    events = [];
    time += 60_000;
    presence.reRegisterAll(table.values());
    expect(registry.map((r) => [r.op, r.deviceId])).toEqual([
      ['register', 'tv1'],
      ['register', 'tv2'],
    ]);
    expect(registry[0]!.registration).toMatchObject({ connectionId: c.connectionId, connectedAt: T0 });
    expect(events.map((e) => [e.kind, e.deviceId, e.at])).toEqual([
      ['connected', 'tv1', T0 + 60_000],
      ['connected', 'tv2', T0 + 60_001],
    ]);
  });

  describe('first-frame auth', () => {
    const connectUnauthenticated = () => {
      const c = lifecycle.newConnection(Transport.WebSocket, undefined);
      const socket = attachFakeWebSocket(c);
      lifecycle.attached(c);
      return { c, socket };
    };

    it('waits for the auth frame until the no-auth deadline, registering nothing', () => {
      const { c, socket } = connectUnauthenticated();
      expect(c.phase).toBe(Phase.Authenticating);
      expect(c.deadline).toBe(T0 + OPTIONS.noauthTtlSeconds * 1000);
      expect(lifecycle.authenticating.has(c)).toBe(true);
      expect(lifecycle.counts()).toEqual({ websocket: 0, sse: 0, authenticating: 1 });
      expect(registry).toEqual([]);
      expect(socket.sent).toEqual([]);
    });

    it('opens the connection when the token verifies', async () => {
      const { c, socket } = connectUnauthenticated();
      await lifecycle.authenticateFirstFrame(
        c,
        await mintDeviceToken({ secret: SECRET, accountId: 'a1', deviceId: 'tv1', deviceType: 'tv' }),
      );
      expect(lifecycle.authenticating.has(c)).toBe(false);
      expect(c.phase).toBe(Phase.Open);
      expect(table.get('a1', 'tv1')).toBe(c);
      expect(socket.frames()).toEqual([expect.objectContaining({ type: 'welcome', deviceId: 'tv1', accountId: 'a1' })]);
      expect(registry.map((r) => r.op)).toEqual(['register']);
    });

    it('closes 4003 with an unauthorized error when the token does not verify', async () => {
      const { c, socket } = connectUnauthenticated();
      await lifecycle.authenticateFirstFrame(c, 'not-a-jwt');
      expect(socket.frames()).toEqual([expect.objectContaining({ type: 'error', code: 'unauthorized' })]);
      expect(socket.ended).toEqual({ code: CloseCode.AUTH_FAILED, reason: 'authentication failed' });
      expect(table.size).toBe(0);
    });

    it('does nothing when the socket closed while the token was being verified', async () => {
      const { c, socket } = connectUnauthenticated();
      const verifying = lifecycle.authenticateFirstFrame(
        c,
        await mintDeviceToken({ secret: SECRET, accountId: 'a1', deviceId: 'tv1', deviceType: 'tv' }),
      );
      lifecycle.detached(c, 1006);
      await verifying;
      expect(table.size).toBe(0);
      expect(socket.sent).toEqual([]);
      expect(registry).toEqual([]);
    });
  });

  describe('token expiry and in-band refresh', () => {
    const token = (deviceId: string, o: { deviceId?: string; accountId?: string; ttlSeconds?: number } = {}) =>
      mintDeviceToken({ secret: SECRET, accountId: o.accountId ?? 'a1', deviceId, deviceType: 'tv', ttlSeconds: o.ttlSeconds ?? 600 });
    const connectExpiring = (deviceId: string, expiresAt: number) => {
      const c = lifecycle.newConnection(Transport.WebSocket, { ...identity(deviceId), expiresAt });
      const socket = attachFakeWebSocket(c);
      lifecycle.attached(c);
      return { c, socket };
    };

    it('keeps the token expiry on the connection, in whole seconds, and tells it in welcome in ms', () => {
      const { c, socket } = connectExpiring('tv1', T0 / 1000 + 60.5);
      expect(c.tokenExpiresAt).toBe(T0 / 1000 + 60);
      expect(socket.frames()).toEqual([expect.objectContaining({ type: 'welcome', tokenExpiresAt: T0 + 60_000 })]);
      expect(connectWs('tv2').socket.frames()[0]).not.toHaveProperty('tokenExpiresAt');
    });

    it('replaces the token with a fresh one of the same device and answers auth.result with the new expiry', async () => {
      const { c, socket } = connectExpiring('tv1', T0 / 1000 + 60);
      socket.sent.length = 0;
      const fresh = await token('tv1', { ttlSeconds: 900 });
      await lifecycle.refreshToken(c, fresh);
      const expected = JSON.parse(Buffer.from(fresh.split('.')[1]!, 'base64url').toString()).exp as number;
      expect(c.tokenExpiresAt).toBe(expected);
      expect(socket.frames()).toEqual([{ type: 'auth.result', tokenExpiresAt: expected * 1000, serverTime: T0 }]);
      expect(c.phase).toBe(Phase.Open);
      expect(socket.ended).toBeUndefined();
    });

    it.each([
      ['another device of the account', { deviceId: 'tv9' }, 'forbidden', 'token refresh for another device'],
      ['the same device id of another account', { deviceId: 'tv1', accountId: 'evil' }, 'forbidden', 'token refresh for another device'],
      ['an invalid token', { deviceId: 'tv1', ttlSeconds: -60 }, 'unauthorized', 'token refresh failed'],
    ])('refuses a refresh with %s: error frame, close 4003, expiry unchanged', async (_name, o, code, reason) => {
      const { c, socket } = connectExpiring('tv1', T0 / 1000 + 60);
      socket.sent.length = 0;
      await lifecycle.refreshToken(c, await token(o.deviceId, o));
      expect(socket.frames()).toEqual([expect.objectContaining({ type: 'error', code })]);
      expect(socket.ended).toEqual({ code: CloseCode.AUTH_FAILED, reason });
      expect(c.tokenExpiresAt).toBe(T0 / 1000 + 60);
    });
  });
});
