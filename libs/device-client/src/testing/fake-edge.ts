import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FakeTopicLog, type FakePublishOptions, type FakeTopicOptions } from './fake-topics';
import { refuseSocket, sendJsonError } from './http-replies';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  decodeClientFrame,
  encodeFrame,
  ProtocolValidationError,
  type ClientFrame,
  type DeliveryStatus,
  type DeviceInfo,
  type ErrorCode,
  type ServerFrame,
  type ServerFrameOf,
  type TopicPosition,
} from '@pushwire/protocol';

/** Who a token belongs to. */
export interface FakeIdentity {
  deviceId: string;
  accountId: string;
  deviceType?: string;
  /** Topic patterns (a token's `topics` claim) the device may subscribe to; a subscribe outside them is `forbidden`. Default: any topic. */
  topics?: string[];
}

/** Options of a FakeEdge; each field states its default. */
export interface FakeEdgeOptions extends FakeTopicOptions {
  /** Valid tokens and whom they authenticate. Default: none (add with `addToken`). */
  tokens?: Record<string, FakeIdentity>;
  /** Whom a token not in `tokens` authenticates, if anyone (e.g. decode a JWT). Default: nobody. */
  identify?: (token: string) => FakeIdentity | undefined;
  /** `heartbeatSeconds` announced in `welcome`. Default 30. */
  heartbeatSeconds?: number;
  /** Interval of WebSocket pings and SSE `: hb` comments; 0 sends none. Default 0. */
  heartbeatIntervalMs?: number;
  /**
   * Status answered to `d2d.send` when the target is connected in the sender's account (e.g.
   * 'forbidden' to play a policy that refuses it). Default 'delivered'. As on the real edge, `to`
   * names a device of the sender's account: one that is not connected there — even if another
   * account has a device of that id — gets 'not_connected'.
   */
  d2dStatus?: DeliveryStatus;
  /**
   * How long a token stays valid, announced as `tokenExpiresAt` in `welcome` and `auth.result`
   * (the answer to an `auth` frame renewing the token of the same device; any other token there
   * gets an error and close 4003). The fake never ends a connection at expiry. Default: no expiry.
   */
  tokenValidityMs?: number;
}

/** One device connection as the fake edge sees it. */
export interface FakeConnection {
  readonly connectionId: string;
  readonly identity: FakeIdentity;
  readonly transport: 'websocket' | 'sse';
  readonly authVia: 'header' | 'query' | 'first-frame';
  /** Every valid frame the device sent on this connection. */
  readonly frames: ClientFrame[];
  /** Sent `devices.subscribe`: gets `device.online` / `device.offline` of the other devices of its account. */
  readonly subscribed: boolean;
  /** The topics it is subscribed to now (`subscribe` / `unsubscribe`; forgotten with the connection). */
  readonly topics: Set<string>;
  readonly closed: boolean;
  readonly connectedAt: number;
  /** The close code the device sent (WebSocket), once closed. */
  readonly closeCode?: number;
  send(frame: ServerFrame): void;
  /** WebSocket: close with `code`. SSE: send `event: close` with the code, then end the stream. */
  close(code?: number, reason?: string): void;
  /** Stop heartbeats and stop answering (pings included), to play a frozen edge. */
  silence(): void;
}

/** The edge's own view of a connection: writable, plus whether it plays dead. */
type LiveConnection = { -readonly [K in keyof FakeConnection]: FakeConnection[K] } & { silent: boolean };

interface Rejection {
  status: number;
  code: ErrorCode;
  retryAfterSeconds?: number;
}

/**
 * A small edge that speaks the device contract (DESIGN §4–6) on a real port: WebSocket upgrade with
 * header, query and first-frame auth, 401/503 refusals, welcome, pings, SSE with `POST /v1/frames`,
 * replacement of an older connection of the same device — account and device id, as on the real
 * edge: a device id names a device only within its account — (4001), device list and subscriptions
 * (`device.online` / `device.offline` to the account's subscribed connections, forgotten with the
 * connection), device to device, in-band token renewal (`auth` → `auth.result`), topics and
 * broadcasts (one in-memory log, `publish` / `broadcast`, recovery with `since`). Events: 'connection' (conn, after welcome), 'frame' (conn, frame),
 * 'rejected' ({status}), 'disconnect' (conn).
 */
export class FakeEdge extends EventEmitter {
  private readonly live: LiveConnection[] = [];
  private readonly streams = new Set<ServerResponse>();
  private readonly tokens: Map<string, FakeIdentity>;
  private readonly rejections: Rejection[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly server: Server;
  private seq = 0;
  private readonly topicLog: FakeTopicLog;

  /** Options, read at each connection: a test may change them (e.g. heartbeatSeconds) between connects. */
  private constructor(readonly opts: FakeEdgeOptions) {
    super();
    this.tokens = new Map(Object.entries(opts.tokens ?? {}));
    this.topicLog = new FakeTopicLog(opts, () => this.live);
    this.server = createServer((req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  /** Starts listening on 127.0.0.1 on a free port. */
  static async start(opts: FakeEdgeOptions = {}): Promise<FakeEdge> {
    const edge = new FakeEdge(opts);
    await new Promise<void>((resolve) => edge.server.listen(0, '127.0.0.1', resolve));
    return edge;
  }

  /** Every connection accepted so far, oldest first (closed ones included). */
  get connections(): readonly FakeConnection[] {
    return this.live;
  }

  /** Base URL for DeviceClientOptions.url. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  addToken(token: string, identity: FakeIdentity): void {
    this.tokens.set(token, identity);
  }

  /** Refuses the next connect (WebSocket or SSE) with this status, e.g. 503 with Retry-After. */
  rejectNext(status: number, retryAfterSeconds?: number): void {
    const code: ErrorCode = status === 401 ? 'unauthorized' : status === 503 ? 'overloaded' : 'internal';
    this.rejections.push({ status, code, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });
  }

  /** Resolves with the args of the next `event` matching `predicate`; rejects after `timeoutMs`. */
  next<T extends unknown[]>(event: string, predicate: (...args: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const listener = (...args: unknown[]) => {
        if (!predicate(...(args as T))) return;
        clearTimeout(timer);
        this.off(event, listener);
        resolve(args as T);
      };
      const timer = setTimeout(() => {
        this.off(event, listener);
        reject(new Error(`FakeEdge: no '${event}' within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.on(event, listener);
    });
  }

  /** Publishes to `topic`: written to every connection subscribed to it, kept for recovery; returns the frame. */
  publish(topic: string, payload: unknown, options?: FakePublishOptions): ServerFrameOf<'topic.message'> {
    return this.topicLog.publish(topic, payload, options);
  }

  /** Broadcasts to every connection (or those of `options.deviceTypes`); returns the frame. */
  broadcast(payload: unknown, options?: FakePublishOptions): ServerFrameOf<'broadcast'> {
    return this.topicLog.broadcast(payload, options);
  }

  /** The topic log's position now (what `subscribe.result` answers). */
  get topicPosition(): TopicPosition {
    return this.topicLog.position;
  }

  /** Forgets the topic messages so far: a resubscribe from before now gets `recovered: false`. */
  forgetTopicHistory(): void {
    this.topicLog.forget();
  }

  /** Ends every SSE stream without a `close` event, like a proxy or a crashed edge would. */
  abortStreams(): void {
    for (const res of this.streams) res.end();
  }

  async stop(): Promise<void> {
    for (const conn of this.live) conn.close(1001, 'edge stopping');
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- device port ----------------------------------------------------------------------------

  private authenticate(req: IncomingMessage, url: URL): { identity?: FakeIdentity; via: 'header' | 'query' } {
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) return { identity: this.identify(header.slice(7)), via: 'header' };
    return { identity: this.identify(url.searchParams.get('token') ?? ''), via: 'query' };
  }

  private identify(token: string): FakeIdentity | undefined {
    return this.tokens.get(token) ?? (token ? this.opts.identify?.(token) : undefined);
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://edge');
    if (url.pathname !== '/v1/connect') return void refuseSocket(socket, 404, 'not_found', 'no such path');
    const rejection = this.rejections.shift();
    if (rejection) {
      this.emit('rejected', { status: rejection.status });
      return void refuseSocket(socket, rejection.status, rejection.code, 'refused by test', rejection.retryAfterSeconds);
    }
    if (url.searchParams.get('auth') === 'frame') {
      return void this.wss.handleUpgrade(req, socket, head, (ws) => this.awaitAuthFrame(ws));
    }
    const { identity, via } = this.authenticate(req, url);
    if (!identity) {
      this.emit('rejected', { status: 401 });
      return void refuseSocket(socket, 401, 'unauthorized', 'token missing, invalid or expired');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.acceptWebSocket(ws, identity, via));
  }

  private awaitAuthFrame(ws: WebSocket): void {
    ws.once('message', (data) => {
      let identity: FakeIdentity | undefined;
      try {
        const frame = decodeClientFrame(String(data));
        if (frame.type === 'auth') identity = this.identify(frame.token);
      } catch {
        identity = undefined; // any malformed first frame is an authentication failure (4003)
      }
      if (identity) this.acceptWebSocket(ws, identity, 'first-frame');
      else ws.close(4003, 'authentication failed');
    });
  }

  private acceptWebSocket(ws: WebSocket, identity: FakeIdentity, via: FakeConnection['authVia']): void {
    const conn = this.register(identity, 'websocket', via, {
      write: (text) => ws.send(text),
      heartbeat: () => ws.ping(),
      end: (code, reason) => ws.close(code, reason),
    });
    ws.on('message', (data) => this.onDeviceFrame(conn, String(data)));
    ws.on('close', (code) => {
      conn.closeCode = code;
      conn.close(code);
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://edge');
    const { identity, via } = this.authenticate(req, url);
    if (req.method === 'GET' && url.pathname === '/v1/events') {
      const rejection = this.rejections.shift();
      if (rejection) {
        this.emit('rejected', { status: rejection.status });
        return void sendJsonError(res, rejection.status, rejection.code, 'refused by test', rejection.retryAfterSeconds);
      }
      if (!identity) return void sendJsonError(res, 401, 'unauthorized', 'token missing, invalid or expired');
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      res.flushHeaders();
      const conn = this.register(identity, 'sse', via, {
        write: (text) => res.write(`data: ${text}\n\n`),
        heartbeat: () => res.write(': hb\n\n'),
        // Like the real edge: SSE has no close frame, so a `close` event carries the code.
        end: (code, reason) => res.end(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`),
      });
      this.streams.add(res);
      res.on('close', () => {
        this.streams.delete(res);
        conn.close();
      });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/v1/frames') {
      if (!identity) return void sendJsonError(res, 401, 'unauthorized', 'token missing, invalid or expired');
      const conn = this.liveConnection(identity.accountId, identity.deviceId, 'sse');
      if (!conn) return void sendJsonError(res, 409, 'not_found', 'no event stream open for this device');
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const answered = this.onDeviceFrame(conn, body);
        if (answered) res.writeHead(202).end();
        else sendJsonError(res, 400, 'invalid_frame', 'invalid frame');
      });
      return;
    }
    sendJsonError(res, 404, 'not_found', 'no such path');
  }

  // ---- connections ----------------------------------------------------------------------------

  private register(
    identity: FakeIdentity,
    transport: FakeConnection['transport'],
    authVia: FakeConnection['authVia'],
    io: { write(text: string): void; heartbeat(): void; end(code: number, reason: string): void },
  ): LiveConnection {
    // A newer connection of the same device replaces the older one (DESIGN §5).
    this.liveConnection(identity.accountId, identity.deviceId)?.close(4001, 'replaced');
    let timer: ReturnType<typeof setInterval> | undefined;
    const conn: LiveConnection = {
      connectionId: `c${++this.seq}`,
      identity,
      transport,
      authVia,
      frames: [],
      subscribed: false,
      topics: new Set(),
      closed: false,
      silent: false,
      connectedAt: Date.now(),
      send: (frame: ServerFrame) => {
        if (!conn.closed) io.write(encodeFrame(frame));
      },
      close: (code = 1000, reason = '') => {
        if (conn.closed) return;
        conn.closed = true;
        clearInterval(timer);
        io.end(code, reason);
        if (!this.liveConnection(identity.accountId, identity.deviceId))
          this.notify(conn, { type: 'device.offline', deviceId: identity.deviceId });
        this.emit('disconnect', conn);
      },
      silence: () => {
        conn.silent = true;
        clearInterval(timer);
      },
    };
    this.live.push(conn);
    const interval = this.opts.heartbeatIntervalMs ?? 0;
    if (interval > 0) timer = setInterval(() => io.heartbeat(), interval);
    conn.send({
      type: 'welcome',
      protocol: 1,
      connectionId: conn.connectionId,
      deviceId: identity.deviceId,
      accountId: identity.accountId,
      heartbeatSeconds: this.opts.heartbeatSeconds ?? 30,
      maxLifetimeSeconds: 1800,
      serverTime: Date.now(),
      ...this.tokenExpiry(),
    });
    this.notify(conn, { type: 'device.online', device: deviceInfo(conn) });
    this.emit('connection', conn);
    return conn;
  }

  private liveConnection(accountId: string, deviceId: string, transport?: FakeConnection['transport']): LiveConnection | undefined {
    return this.live.find(
      (c) =>
        !c.closed && c.identity.accountId === accountId && c.identity.deviceId === deviceId && (!transport || c.transport === transport),
    );
  }

  /** Handles one device frame; returns false if it was invalid (an `error` frame was sent). */
  private onDeviceFrame(conn: LiveConnection, text: string): boolean {
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(text);
    } catch (e) {
      const code = e instanceof ProtocolValidationError ? e.code : 'invalid_frame';
      conn.send({ type: 'error', code, message: (e as Error).message });
      return false;
    }
    conn.frames.push(frame);
    this.emit('frame', conn, frame);
    if (conn.silent) return true;
    switch (frame.type) {
      case 'auth':
        this.renewToken(conn, frame.token);
        break;
      case 'ping':
        conn.send({ type: 'pong', ...(frame.t !== undefined ? { t: frame.t } : {}), serverTime: Date.now() });
        break;
      case 'devices.list':
        conn.send({ type: 'devices.list.result', reqId: frame.reqId, devices: this.devicesOf(conn.identity.accountId) });
        break;
      case 'devices.subscribe':
        conn.subscribed = true;
        conn.send({ type: 'devices.subscribe.result', reqId: frame.reqId, devices: this.devicesOf(conn.identity.accountId) });
        break;
      case 'd2d.send': {
        const target = this.liveConnection(conn.identity.accountId, frame.to);
        const status: DeliveryStatus = target ? (this.opts.d2dStatus ?? 'delivered') : 'not_connected';
        if (target && (status === 'delivered' || status === 'acknowledged')) {
          target.send({
            type: 'd2d.message',
            id: `${frame.reqId}-${conn.identity.deviceId}`,
            from: conn.identity.deviceId,
            payload: frame.payload,
          });
        }
        conn.send({ type: 'd2d.result', reqId: frame.reqId, status });
        break;
      }
      default:
        this.topicLog.handle(conn, frame);
        break;
    }
    return true;
  }

  /** `tokenExpiresAt` of a token issued now, when tokens expire at all. */
  private tokenExpiry(): { tokenExpiresAt?: number } {
    const validity = this.opts.tokenValidityMs;
    return validity !== undefined ? { tokenExpiresAt: Date.now() + validity } : {};
  }

  /** An `auth` frame on an open connection: the same device's token renews it, any other ends it (4003). */
  private renewToken(conn: LiveConnection, token: string): void {
    const identity = this.identify(token);
    if (identity?.deviceId !== conn.identity.deviceId || identity.accountId !== conn.identity.accountId) {
      conn.send({ type: 'error', code: identity ? 'forbidden' : 'unauthorized', message: 'token refresh refused' });
      conn.close(4003, 'token refresh failed');
      return;
    }
    conn.send({ type: 'auth.result', ...this.tokenExpiry(), serverTime: Date.now() });
  }

  private devicesOf(accountId: string): DeviceInfo[] {
    return this.live.filter((c) => !c.closed && c.identity.accountId === accountId).map(deviceInfo);
  }

  /** Tells the other subscribed connections of `about`'s account that it came or went. */
  private notify(about: LiveConnection, frame: ServerFrame): void {
    for (const c of this.live) {
      if (
        c !== about &&
        c.subscribed &&
        !c.closed &&
        !c.silent &&
        c.identity.accountId === about.identity.accountId &&
        c.identity.deviceId !== about.identity.deviceId
      ) {
        c.send(frame);
      }
    }
  }
}

const deviceInfo = (c: FakeConnection): DeviceInfo => ({
  deviceId: c.identity.deviceId,
  deviceType: c.identity.deviceType ?? 'phone',
  connectedAt: c.connectedAt,
});
