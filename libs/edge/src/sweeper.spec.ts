import { CloseCode } from '@pushwire/protocol';
import { Phase, type Connection } from './connection';
import { ConnectionTable } from './connection-table';
import { Sweeper } from './sweeper';
import { fakeSseConnection, fakeWebSocketConnection } from './testing/fake-sockets';

// The Sweeper is driven by hand: each `sweep(now)` is one pass of the edge's interval at the time
// given, so deadlines, graces and heartbeats are checked to the millisecond on each side.

const T0 = 1_700_000_000_000;
const GRACE_MS = 2000;
const SPREAD_MS = 1000;
const SEND_BUFFER_BYTES = 1024;
const SLOW_CONSUMER_MS = 3000;
const HEARTBEAT_MS = 10_000;

describe('Sweeper', () => {
  let table: ConnectionTable;
  let authenticating: Set<Connection>;
  let closed: { c: Connection; code: number; reason: string }[];
  let asked: string[];
  let sweeper: Sweeper;

  beforeEach(() => {
    table = new ConnectionTable();
    authenticating = new Set();
    closed = [];
    asked = [];
    sweeper = new Sweeper(
      table,
      authenticating,
      {
        closeGraceMs: GRACE_MS,
        reconnectSpreadMs: SPREAD_MS,
        sendBufferBytes: SEND_BUFFER_BYTES,
        slowConsumerMs: SLOW_CONSUMER_MS,
        heartbeatMs: HEARTBEAT_MS,
        onReconnectAsked: (reason) => asked.push(reason),
      },
      (c, code, reason) => {
        closed.push({ c, code, reason });
        authenticating.delete(c);
        table.remove(c);
      },
    );
  });

  const open = (deviceId: string, deadline: number) => {
    const conn = fakeWebSocketConnection(deviceId);
    conn.c.deadline = deadline;
    table.add(conn.c);
    return conn;
  };

  it('closes a first-frame-auth socket 4003 once its deadline passes, not before', () => {
    const { c } = fakeWebSocketConnection('', { phase: Phase.Authenticating });
    c.deadline = T0 + 5000;
    authenticating.add(c);
    sweeper.sweep(T0 + 4999);
    expect(closed).toEqual([]);
    sweeper.sweep(T0 + 5000);
    expect(closed).toEqual([{ c, code: CloseCode.AUTH_FAILED, reason: 'authentication timeout' }]);
  });

  it('asks for a reconnect at the end of a lifetime, then closes 4000 after the grace', () => {
    const { c, socket } = open('tv1', T0 + 60_000);
    sweeper.sweep(T0 + 59_999);
    expect(socket.sent).toEqual([]);
    expect(c.phase).toBe(Phase.Open);

    sweeper.sweep(T0 + 60_000);
    expect(socket.frames()).toEqual([{ type: 'reconnect', afterMs: SPREAD_MS, reason: 'lifetime' }]);
    expect(c.phase).toBe(Phase.Closing);
    expect(c.deadline).toBe(T0 + 60_000 + GRACE_MS);
    expect(asked).toEqual(['lifetime']);

    sweeper.sweep(T0 + 60_000 + GRACE_MS - 1);
    expect(closed).toEqual([]);
    expect(socket.sent).toHaveLength(1); // the reconnect is asked once
    sweeper.sweep(T0 + 60_000 + GRACE_MS);
    expect(closed).toEqual([{ c, code: CloseCode.RECONNECT, reason: 'reconnect' }]);
  });

  it('asks for a reconnect with reason token_expired when the token expires, then closes 4004 after the grace', () => {
    const { c, socket } = open('tv1', T0 + 3_600_000);
    c.tokenExpiresAt = (T0 + 30_000) / 1000;
    sweeper.sweep(T0 + 29_999);
    expect(socket.sent).toEqual([]);

    sweeper.sweep(T0 + 30_000);
    expect(socket.frames()).toEqual([{ type: 'reconnect', afterMs: SPREAD_MS, reason: 'token_expired' }]);
    expect(c.phase).toBe(Phase.Closing);
    expect(c.deadline).toBe(T0 + 30_000 + GRACE_MS);
    expect(asked).toEqual(['token_expired']);

    sweeper.sweep(T0 + 30_000 + GRACE_MS - 1);
    expect(closed).toEqual([]);
    sweeper.sweep(T0 + 30_000 + GRACE_MS);
    expect(closed).toEqual([{ c, code: CloseCode.TOKEN_EXPIRED, reason: 'token expired' }]);
  });

  it('keeps a connection whose token was renewed in time, and one whose credential has no expiry', () => {
    const renewed = open('tv1', T0 + 3_600_000);
    renewed.c.tokenExpiresAt = (T0 + 30_000) / 1000;
    const forever = open('tv2', T0 + 3_600_000);
    sweeper.sweep(T0 + 29_000);
    renewed.c.tokenExpiresAt = (T0 + 90_000) / 1000; // an auth frame renewed it
    sweeper.sweep(T0 + 60_000);
    expect(renewed.socket.sent).toEqual([]);
    expect(forever.socket.sent).toEqual([]);
    expect(forever.c.tokenExpiresAt).toBe(0);
    sweeper.sweep(T0 + 90_000);
    expect(renewed.socket.frames()).toEqual([{ type: 'reconnect', afterMs: SPREAD_MS, reason: 'token_expired' }]);
  });

  it('drains: pulls every lifetime in within the window and asks with reason drain', () => {
    const early = open('tv1', T0 + 500);
    const late = open('tv2', T0 + 3_600_000);
    const randoms = [0.9, 0.25];
    sweeper.spreadDeadlines(T0, 10_000, () => randoms.shift()!);
    expect(early.c.deadline).toBe(T0 + 500); // already sooner than its draw (9 s)
    expect(late.c.deadline).toBe(T0 + 2500);

    sweeper.sweep(T0 + 2500);
    expect(late.socket.frames()).toEqual([{ type: 'reconnect', afterMs: SPREAD_MS, reason: 'drain' }]);
    expect(early.socket.frames()).toEqual([{ type: 'reconnect', afterMs: SPREAD_MS, reason: 'drain' }]);
    expect(asked).toEqual(['drain', 'drain']);
  });

  it('closes 4002 a device that stays over the send-buffer limit for the slow-consumer time', () => {
    const { c, socket } = open('tv1', T0 + 3_600_000);
    socket.bufferedAmount = SEND_BUFFER_BYTES;
    sweeper.sweep(T0);
    expect(c.overLimitSince).toBe(T0);
    sweeper.sweep(T0 + SLOW_CONSUMER_MS - 1);
    expect(closed).toEqual([]);
    sweeper.sweep(T0 + SLOW_CONSUMER_MS);
    expect(closed).toEqual([{ c, code: CloseCode.TOO_SLOW, reason: 'too slow' }]);
  });

  it('forgets the time over the limit once the buffer drains below it', () => {
    const { c, socket } = open('tv1', T0 + 3_600_000);
    socket.bufferedAmount = SEND_BUFFER_BYTES;
    sweeper.sweep(T0);
    socket.bufferedAmount = SEND_BUFFER_BYTES - 1;
    sweeper.sweep(T0 + 1000);
    expect(c.overLimitSince).toBe(0);
    socket.bufferedAmount = SEND_BUFFER_BYTES;
    sweeper.sweep(T0 + SLOW_CONSUMER_MS);
    expect(c.overLimitSince).toBe(T0 + SLOW_CONSUMER_MS);
    expect(closed).toEqual([]);
  });

  it('writes SSE heartbeats once per heartbeat interval, to SSE streams only', () => {
    const sse = fakeSseConnection('browser1');
    sse.c.deadline = T0 + 3_600_000;
    table.add(sse.c);
    const ws = open('tv1', T0 + 3_600_000);

    sweeper.sweep(T0);
    expect(sse.stream.written).toEqual([': hb\n\n']);
    sweeper.sweep(T0 + HEARTBEAT_MS - 1);
    expect(sse.stream.written).toHaveLength(1);
    sweeper.sweep(T0 + HEARTBEAT_MS);
    expect(sse.stream.written).toEqual([': hb\n\n', ': hb\n\n']);
    expect(ws.socket.sent).toEqual([]); // WebSockets have uWS's own pings
  });

  it('treats a blocked SSE stream as over the limit: no heartbeat into it, closed 4002 when it stays blocked', () => {
    const { c, stream } = fakeSseConnection('browser1');
    c.deadline = T0 + 3_600_000;
    table.add(c);
    stream.writable = false;
    sweeper.sweep(T0);
    expect(stream.written).toEqual([': hb\n\n']);
    expect(c.sseBlocked).toBe(true);
    sweeper.sweep(T0 + HEARTBEAT_MS);
    expect(stream.written).toHaveLength(1);
    expect(c.overLimitSince).toBe(T0 + HEARTBEAT_MS);
    sweeper.sweep(T0 + HEARTBEAT_MS + SLOW_CONSUMER_MS);
    expect(closed).toEqual([{ c, code: CloseCode.TOO_SLOW, reason: 'too slow' }]);
  });
});
