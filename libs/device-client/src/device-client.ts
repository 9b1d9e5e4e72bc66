import {
  CloseCode,
  readServerFrame,
  ProtocolValidationError,
  type ClientFrame,
  type DeliveryStatus,
  type DeviceInfo,
  type ServerFrame,
  type ServerFrameOf,
} from '@pushwire/protocol/core';
import { decideAfterClose } from './close-policy';
import { deferred, type Deferred } from './deferred';
import { TypedEmitter } from './emitter';
import { DeviceClientError, toClientError } from './errors';
import type { ClientState, D2dMessage, DeviceClientEvents, PushMessage, Welcome } from './events';
import { resolveOptions, type DeviceClientOptions, type ResolvedOptions, type SendToDeviceOptions } from './options';
import { checkOutgoing, PendingRequests, type ReplyOf } from './pending-requests';
import { SeenIds } from './seen-ids';
import { unrefTimeout } from './timers';
import { TopicSubscriptions } from './topic-subscriptions';
import type { SubscribeOptions, TopicHandler, TopicSubscription } from './topic-types';
import { openSseTransport } from './transports/sse-transport';
import type { Transport, TransportClose, TransportHandlers } from './transports/transport';
import { openWebSocketTransport, resolveWebSocket } from './transports/websocket-transport';
import { HeartbeatWatchdog } from './watchdog';

/**
 * The device SDK: keeps one connection to an edge alive (WebSocket or SSE), reconnecting with
 * full-jitter backoff and failing over between edges, watching heartbeats, de-duplicating (across
 * reconnects, and across restarts with a `dedupeStorage`) and acking pushes, matching
 * request/response frames (device list, device-to-device), and keeping topic subscriptions. Runs in browsers and Node; in Node a
 * client keeps the process alive from connect() until close() or until it gives up, reconnects included.
 */
export class DeviceClient extends TypedEmitter<DeviceClientEvents> {
  private readonly opts: ResolvedOptions;
  private _state: ClientState = 'idle';
  private _connectionId?: string;
  private welcome?: Welcome;
  private transport?: Transport;
  /** Bumped by every attempt and by close(); callbacks of older attempts see a stale value and stop. */
  private generation = 0;
  private attempt = 0;
  private authRetried = false;
  /** The message of an `unauthorized` error frame that came before `welcome`: the 4003 close that follows reports it. */
  private authRefusal?: string;
  private reconnectHintMs?: number;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  /** Fails an attempt that has not reached `welcome` within `connectTimeoutMs`. */
  private connectTimer?: ReturnType<typeof setTimeout>;
  /** Renews the token in band a little before it expires (token functions only). */
  private refreshTimer?: ReturnType<typeof setTimeout>;
  private connecting?: Deferred<Welcome>;
  /** subscribeDevices() succeeded: renew the subscription on every new connection until close(). */
  private subscribed = false;
  private readonly seen: SeenIds;
  /** `device.online` / `device.offline` that came while a subscribe was in flight: emitted after its list. */
  private held: DeviceNotice[] = [];
  private readonly requests: PendingRequests;
  private readonly topics: TopicSubscriptions;
  private readonly watchdog: HeartbeatWatchdog;

  constructor(options: DeviceClientOptions) {
    super((error, event) => this.reportHandlerError(error, String(event)));
    this.opts = resolveOptions(options);
    this.seen = new SeenIds(this.opts.dedupeWindow, (e) => this.emitError(e), this.opts.dedupeStorage, this.opts.dedupeKey);
    this.requests = new PendingRequests(this.opts.requestTimeoutMs, this.opts.random, () => this.releaseHeldNotices());
    this.topics = new TopicSubscriptions({
      request: (kind, build, timeoutMs) => this.request(kind, build, timeoutMs),
      connected: () => this._state === 'open',
      recovery: (event) => void this.emit('topic.recovery', event),
      error: (error) => this.emitError(error),
      random: () => this.opts.random(),
    });
    this.watchdog = new HeartbeatWatchdog({
      probe: () =>
        this.send({ type: 'ping', t: Date.now() }).catch((e: unknown) =>
          this.emitError(toClientError(e, 'connection_lost', 'heartbeat ping failed')),
        ),
      dead: () => this.dropConnection('heartbeat timeout'),
    });
  }

  get state(): ClientState {
    return this._state;
  }

  /** Id of the current connection (from `welcome`); undefined while not open. */
  get connectionId(): string | undefined {
    return this._connectionId;
  }

  /**
   * Connects (retrying retriable failures per the reconnect options) and resolves with the first
   * `welcome`. Rejects with a DeviceClientError: 'unauthorized' on 401, 'closed' if close() is called
   * first, or the last error once reconnecting gives up. The rejection is also emitted as 'error'.
   */
  connect(): Promise<Welcome> {
    if (this._state === 'open' && this.welcome) return Promise.resolve(this.welcome);
    if (!this.connecting) {
      const d = deferred<Welcome>();
      // Also reported through 'error', so a caller that fires and forgets leaves no unhandled rejection.
      d.promise.catch(() => undefined);
      this.connecting = d;
    }
    if (this._state === 'idle' || this._state === 'closed') {
      this.attempt = 0;
      this.authRetried = false;
      this.setState('connecting');
      this.startAttempt();
    }
    return this.connecting.promise;
  }

  /**
   * Acknowledges a push (needed only with `autoAck: false`). Resolves once the ack left the device
   * (over SSE: its POST was answered), so a caller may close right after; never rejects — failures
   * are emitted as 'error'.
   */
  ack(messageId: string): Promise<void> {
    return this.send({ type: 'ack', id: messageId }).catch((e: unknown) =>
      this.emitError(toClientError(e, 'not_connected', `ack ${messageId} failed`)),
    );
  }

  /**
   * The devices of this account that are online now (`devices.list`). Rejects with a
   * DeviceClientError: 'not_connected' when the client is not open, the server's code when an
   * `error` frame answers the request, 'timeout' after `requestTimeoutMs`, 'connection_lost' when
   * the connection drops first, 'closed' on close().
   */
  async listDevices(): Promise<DeviceInfo[]> {
    return (await this.request('devices.list', (reqId) => ({ type: 'devices.list', reqId }))).devices;
  }

  /**
   * Subscribes to the account's device list (`devices.subscribe`) and resolves with the devices
   * online now; from then on the client emits 'device.online' / 'device.offline'. The edge forgets
   * a subscription with its connection, so after every reconnect the client subscribes again on its
   * own and emits the fresh list as 'devices'. The first list is emitted as 'devices' too, and
   * changes that arrive while a subscribe is in flight are emitted after its list, so an app that
   * keeps its list from 'devices' and the two change events never applies a change out of order
   * (code after `await subscribeDevices()` may run after later changes were emitted). A renewal
   * that fails is emitted as 'error'; the next reconnect tries again. Rejects like listDevices; the
   * subscription lasts until close() or until the client gives up.
   */
  async subscribeDevices(): Promise<DeviceInfo[]> {
    return (await this.request('devices.subscribe', (reqId) => ({ type: 'devices.subscribe', reqId }))).devices;
  }

  /**
   * Sends `payload` (any JSON value) to another device of the account (`d2d.send`) and resolves with
   * the status of `d2d.result`, whatever it is: 'delivered', or one that says why not, e.g.
   * 'not_connected', 'forbidden', 'rate_limited', 'backpressure', 'unavailable'. Rejects like
   * listDevices ('timeout' after `timeoutMs`, default `requestTimeoutMs`), and with 'invalid_frame'
   * without sending when the frame would be invalid (a bad device id, a payload that is not JSON).
   */
  async sendToDevice(deviceId: string, payload: unknown, options: SendToDeviceOptions = {}): Promise<DeliveryStatus> {
    const { timeoutMs } = options;
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0 && Number.isFinite(timeoutMs))) {
      throw new DeviceClientError('invalid_options', `timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`);
    }
    return (await this.request('d2d.send', (reqId) => ({ type: 'd2d.send', reqId, to: deviceId, payload }), timeoutMs)).status;
  }

  /**
   * Subscribes to a topic: `handler` gets its messages in order, once per offset; after every
   * reconnect the client resubscribes from the subscription's position and emits 'topic.recovery'
   * (see TopicSubscriptions). Rejects with a DeviceClientError: 'forbidden', 'limit_exceeded',
   * 'unavailable' (the edge's answer), 'invalid_frame' (bad topic or `since`, not sent),
   * 'invalid_request' (already subscribed), else like listDevices.
   */
  subscribe(topic: string, handler: TopicHandler, options: SubscribeOptions = {}): Promise<TopicSubscription> {
    return this.topics.subscribe(topic, handler, options);
  }

  /**
   * Closes the connection cleanly (1000), stops reconnecting and clears every timer; resolves once
   * the ids of handled messages are in the `dedupeStorage`.
   */
  async close(): Promise<void> {
    const wasActive = this._state !== 'idle' && this._state !== 'closed';
    this.generation++;
    this.clearReconnectTimer();
    this.clearConnectTimer();
    this.clearRefreshTimer();
    this.watchdog.stop();
    this.subscribed = false;
    this.held = [];
    this.topics.clear();
    const closed = new DeviceClientError('closed', 'the client was closed');
    this.requests.rejectAll(closed);
    this.settleConnect(closed);
    const transport = this.transport;
    this.transport = undefined;
    this._connectionId = undefined;
    this.setState('closed');
    if (transport) await transport.close(1000, 'client closed');
    if (wasActive) void this.emit('close', { code: 1000, reason: 'client closed', willReconnect: false });
    await this.seen.flush();
  }

  // ---- connection lifecycle -------------------------------------------------------------------

  private startAttempt(): void {
    const gen = ++this.generation;
    this.authRefusal = undefined;
    const timeoutMs = this.opts.connectTimeoutMs;
    // Not unref'd (nor is the reconnect timer): a Node process whose only work is this client must
    // not exit while it is between connections.
    if (timeoutMs > 0) {
      this.connectTimer = setTimeout(() => {
        this.connectTimer = undefined;
        const where = this.opts.edges.current ?? 'the edge';
        const error = new DeviceClientError('connect_failed', `no welcome from ${where} within ${timeoutMs} ms`);
        if (this.isCurrent(gen)) this.dropConnection('connect timed out', error);
      }, timeoutMs);
    }
    this.openTransport(gen).catch((e: unknown) =>
      this.onTransportClosed(gen, { code: 1006, reason: '', error: toClientError(e, 'connect_failed', 'connect failed') }),
    );
  }

  private async openTransport(gen: number): Promise<void> {
    await this.seen.load();
    if (gen !== this.generation) return;
    const baseUrl = await this.opts.edges.resolve(this.attempt);
    const token = await this.opts.getToken().catch((e: unknown) => {
      throw toClientError(e, 'token_unavailable', 'the token function failed');
    });
    const Ctor = this.opts.transport === 'websocket' ? await resolveWebSocket(this.opts.WebSocket) : undefined;
    if (gen !== this.generation) return;
    const handlers: TransportHandlers = {
      open: () => {
        if (this.isCurrent(gen)) void this.emit('open', undefined);
      },
      frame: (text) => {
        if (this.isCurrent(gen)) this.onFrame(text);
      },
      activity: () => {
        if (this.isCurrent(gen)) this.watchdog.activity();
      },
      error: (error) => {
        if (this.isCurrent(gen)) this.emitError(error);
      },
      closed: (info) => this.onTransportClosed(gen, info),
    };
    const params = { baseUrl, token, auth: this.opts.auth, handlers };
    this.transport = Ctor ? openWebSocketTransport(Ctor, params) : openSseTransport(this.opts.fetch!, params);
  }

  private isCurrent(gen: number): boolean {
    return gen === this.generation;
  }

  private onTransportClosed(gen: number, info: TransportClose): void {
    if (gen !== this.generation) return;
    this.generation++;
    this.transport = undefined;
    this._connectionId = undefined;
    this.watchdog.stop();
    this.clearRefreshTimer();
    this.clearConnectTimer();
    this.requests.rejectAll(new DeviceClientError('connection_lost', `the connection closed (${info.code}) before the reply`));
    const edges = this.opts.edges;
    const refusal = this.authRefusal;
    this.authRefusal = undefined;
    const close: TransportClose =
      refusal !== undefined && info.code === CloseCode.AUTH_FAILED && !info.error
        ? { ...info, error: new DeviceClientError('unauthorized', `the edge refused the token (close 4003): ${refusal}`, false) }
        : info;
    const decision = decideAfterClose({
      close,
      attempt: this.attempt,
      reconnectHintMs: this.reconnectHintMs,
      canRefreshToken: this.opts.canRefreshToken,
      authRetried: this.authRetried,
      reconnect: this.opts.reconnect,
      random: this.opts.random,
      edgeCount: edges.count,
      waitMs: edges.ended(close.error?.retryAfterMs),
    });
    this.reconnectHintMs = undefined;
    const base = { code: info.code, reason: info.reason };
    if (decision.action === 'stop') {
      this.setState('closed');
      this.subscribed = false;
      this.topics.clear();
      this.settleConnect(decision.error);
      if (decision.replaced) void this.emit('replaced', { ...base, willReconnect: false });
      else this.emitError(decision.error);
      void this.emit('close', { ...base, willReconnect: false });
      return;
    }
    // A refused token is about the token, not the edge: retry it on the same edge.
    if (decision.authRetry) this.authRetried = true;
    else {
      this.attempt++;
      edges.advance();
    }
    if (close.error) this.emitError(close.error);
    this.setState(this.connecting ? 'connecting' : 'reconnecting');
    void this.emit('close', { ...base, willReconnect: true, delayMs: decision.delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.startAttempt();
    }, decision.delayMs);
  }

  /**
   * Drops a connection or attempt the client gave up on (silent peer, no welcome in time) and lets
   * the reconnect policy decide.
   */
  private dropConnection(reason: string, error?: DeviceClientError): void {
    const transport = this.transport;
    const gen = this.generation;
    transport
      ?.close(4000, reason)
      .catch((e: unknown) => this.emitError(toClientError(e, 'connection_lost', 'closing a dead connection failed')));
    this.onTransportClosed(gen, { code: 1006, reason, ...(error ? { error } : {}) });
  }

  // ---- frames ---------------------------------------------------------------------------------

  private onFrame(text: string): void {
    this.watchdog.activity();
    let frame: ServerFrame;
    try {
      frame = readServerFrame(text);
    } catch (e) {
      const code = e instanceof ProtocolValidationError ? e.code : 'invalid_frame';
      return this.emitError(new DeviceClientError(code, `ignored a frame from the edge: ${(e as Error).message}`, false, { cause: e }));
    }
    void this.emit('frame', frame);
    if (frame.type !== 'topic.message') this.topics.onOtherFrame();
    switch (frame.type) {
      case 'welcome':
        return this.onWelcome(frame);
      case 'auth.result':
        return this.scheduleTokenRefresh(frame.tokenExpiresAt, frame.serverTime);
      case 'push':
        return this.onPush(frame);
      case 'reconnect':
        this.reconnectHintMs = frame.afterMs;
        return void this.emit('reconnect', frame);
      case 'subscribe.result':
        // The subscription must exist before its recovered messages, which may come in the same chunk.
        this.topics.onResult(frame);
        this.requests.resolve(frame);
        return;
      case 'd2d.result':
      case 'devices.list.result':
      case 'unsubscribe.result':
        this.requests.resolve(frame);
        return;
      case 'devices.subscribe.result':
        return this.onSubscribed(frame);
      case 'd2d.message':
        return this.onD2dMessage(frame);
      case 'device.online':
      case 'device.offline':
        return this.onDeviceNotice(frame);
      case 'error': {
        if (this.isAuthRefusal(frame)) {
          // First-frame auth refused: the edge closes 4003 next, and that close reports it, once, as 'unauthorized'.
          this.authRefusal = frame.message;
          return;
        }
        const error = new DeviceClientError(frame.code, frame.message);
        if (frame.reqId === undefined || !this.requests.reject(frame.reqId, error)) this.emitError(frame);
        return;
      }
      case 'pong':
        return;
      case 'topic.message':
        return this.topics.onMessage(frame);
      case 'broadcast':
        // Like pushes: once per id (a broadcast carries no offset to de-duplicate on).
        if (this.seen.arrive('broadcast', frame.id)) this.seen.track('broadcast', frame.id, this.emit('broadcast', frame));
        return;
      default: {
        const unhandled: never = frame;
        return void unhandled;
      }
    }
  }

  private isAuthRefusal(frame: ServerFrameOf<'error'>): boolean {
    return frame.reqId === undefined && this._state !== 'open' && (frame.code === 'unauthorized' || frame.code === 'not_authenticated');
  }

  private onWelcome(frame: Welcome): void {
    this.welcome = frame;
    this._connectionId = frame.connectionId;
    this.clearConnectTimer();
    this.attempt = 0;
    this.authRetried = false;
    this.setState('open');
    this.watchdog.start(frame.heartbeatSeconds);
    this.scheduleTokenRefresh(frame.tokenExpiresAt, frame.serverTime);
    const connecting = this.connecting;
    this.connecting = undefined;
    connecting?.resolve(frame);
    void this.emit('welcome', frame);
    if (this.subscribed) this.renewSubscription();
    this.topics.renew();
  }

  /** The edge forgot the subscription with the old connection: subscribe again; the reply is emitted as 'devices'. */
  private renewSubscription(): void {
    this.request('devices.subscribe', (reqId) => ({ type: 'devices.subscribe', reqId })).catch((e: unknown) => {
      const error = toClientError(e, 'not_connected', 'renewing the device subscription failed');
      // A drop or close() ends this connection; the next welcome renews again (or close() ended it all).
      if (error.code === 'connection_lost' || error.code === 'closed') return;
      this.emitError(
        new DeviceClientError(error.code, `renewing the device subscription failed: ${error.message}`, error.retriable, { cause: error }),
      );
    });
  }

  /**
   * The answer to subscribeDevices() or to a renewal. 'devices' is emitted here, synchronously, so it
   * comes before any 'device.online' / 'device.offline' that the edge sent after it, and before the
   * ones held while the subscribe was in flight (settling the request releases them).
   */
  private onSubscribed(frame: ServerFrameOf<'devices.subscribe.result'>): void {
    if (this.requests.expects(frame.reqId) === frame.type) {
      this.subscribed = true;
      void this.emit('devices', frame.devices);
    }
    this.requests.resolve(frame);
  }

  private onDeviceNotice(frame: DeviceNotice): void {
    // The edge subscribes before it reads the list, so a change may arrive ahead of the list that
    // it must be applied after; hold it until the subscribe is answered (or fails).
    if (this.requests.awaits('devices.subscribe.result')) this.held.push(frame);
    else this.emitDeviceNotice(frame);
  }

  private releaseHeldNotices(): void {
    if (this.held.length === 0 || this.requests.awaits('devices.subscribe.result')) return;
    const held = this.held;
    this.held = [];
    for (const frame of held) this.emitDeviceNotice(frame);
  }

  private emitDeviceNotice(frame: DeviceNotice): void {
    if (frame.type === 'device.online') void this.emit('device.online', frame.device);
    else void this.emit('device.offline', { deviceId: frame.deviceId });
  }

  private onD2dMessage(frame: D2dMessage): void {
    // Like pushes: a message seen before (a sender's retry, a relay after a reconnect) is not emitted again.
    if (this.seen.arrive('d2d', frame.id)) this.seen.track('d2d', frame.id, this.emit('d2d.message', frame));
  }

  private onPush(frame: PushMessage): void {
    if (this.seen.arrive('push', frame.id)) {
      const handled = this.emit('push', frame);
      this.seen.track('push', frame.id, handled);
      if (frame.ackRequired && this.opts.autoAck) void handled.then(() => this.ack(frame.id));
      return;
    }
    // A duplicate (the first ack was lost, an inbox redelivery, a restart) is acked again once the
    // first copy was handled, even with autoAck off: the app never sees it, so cannot ack it, and
    // unacked it would stay in the device's inbox and come back on every connect.
    if (frame.ackRequired) void this.seen.firstCopyHandled('push', frame.id).then(() => this.ack(frame.id));
  }

  // ---- token refresh --------------------------------------------------------------------------

  /**
   * The edge ends a connection when its token expires (`reconnect` token_expired, close 4004). With
   * a token function the client renews it in band before that: an `auth` frame with a fresh token
   * when a fifth of the remaining validity (at most a minute) is left, answered by `auth.result`
   * with the new expiry, which schedules the next renewal. Times are the edge's (`serverTime`), so
   * a device clock that is off does not matter. A fixed token string is never renewed.
   */
  private scheduleTokenRefresh(tokenExpiresAt: number | undefined, serverTime: number): void {
    this.clearRefreshTimer();
    if (tokenExpiresAt === undefined || !this.opts.canRefreshToken) return;
    const remainingMs = tokenExpiresAt - serverTime;
    const aheadMs = Math.min(TOKEN_REFRESH_AHEAD_MAX_MS, Math.floor(remainingMs / 5));
    const gen = this.generation;
    this.refreshTimer = unrefTimeout(
      () => {
        this.refreshTimer = undefined;
        void this.refreshToken(gen);
      },
      Math.max(0, remainingMs - aheadMs),
    );
  }

  private async refreshToken(gen: number): Promise<void> {
    let token: string;
    try {
      token = await this.opts.getToken();
    } catch (e) {
      // Nothing else to do: the edge asks for a reconnect at expiry, and connecting asks again.
      return this.emitError(toClientError(e, 'token_unavailable', 'renewing the token failed: the token function failed'));
    }
    if (!this.isCurrent(gen) || !this.transport) return;
    this.transport.useToken(token);
    await this.send({ type: 'auth', token }).catch((e: unknown) =>
      this.emitError(toClientError(e, 'not_connected', 'renewing the token failed: the auth frame was not sent')),
    );
  }

  private clearRefreshTimer(): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  // ---- sending --------------------------------------------------------------------------------

  private send(frame: ClientFrame): Promise<void> {
    if (!this.transport || this._state !== 'open') {
      return Promise.reject(new DeviceClientError('not_connected', `cannot send ${frame.type}: the client is ${this._state}`));
    }
    return this.transport.send(frame);
  }

  private async request<K extends keyof ReplyOf>(kind: K, build: (reqId: string) => ClientFrame, timeoutMs?: number): Promise<ReplyOf[K]> {
    const reqId = this.requests.nextId();
    const frame = build(reqId);
    checkOutgoing(frame);
    if (!this.transport || this._state !== 'open') {
      throw new DeviceClientError('not_connected', `cannot send ${kind}: the client is ${this._state}`);
    }
    const reply = this.requests.track(kind, reqId, timeoutMs);
    this.send(frame).catch((e: unknown) => this.requests.reject(reqId, toClientError(e, 'not_connected', `sending ${kind} failed`)));
    return reply;
  }

  // ---- helpers --------------------------------------------------------------------------------

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }

  private setState(state: ClientState): void {
    this._state = state;
  }

  private settleConnect(error: DeviceClientError): void {
    const connecting = this.connecting;
    this.connecting = undefined;
    connecting?.reject(error);
  }

  private emitError(error: DeviceClientError | Extract<ServerFrame, { type: 'error' }>): void {
    void this.emit('error', error);
  }

  private reportHandlerError(error: unknown, event: string): void {
    if (event === 'error') {
      // An 'error' listener that throws has nowhere left to report to; don't loop, don't lose it.
      if (typeof console !== 'undefined') console.error('[pushwire] an error listener threw', error);
      return;
    }
    this.emitError(toClientError(error, 'handler_error', `a '${event}' listener failed`));
  }
}

type DeviceNotice = ServerFrameOf<'device.online'> | ServerFrameOf<'device.offline'>;

/** The most time ahead of expiry the token is renewed (less for short-lived tokens: a fifth of their validity). */
const TOKEN_REFRESH_AHEAD_MAX_MS = 60_000;
