import { decodeServerFrame, ProtocolValidationError, type ClientFrame, type DeliveryStatus, type DeviceInfo, type ServerFrame } from '@pushwire/protocol';
import { decideAfterClose } from './close-policy';
import { deferred, type Deferred } from './deferred';
import { TypedEmitter } from './emitter';
import { DeviceClientError, toClientError } from './errors';
import type { ClientState, DeviceClientEvents, PushMessage, Welcome } from './events';
import { resolveOptions, type DeviceClientOptions, type ResolvedOptions } from './options';
import { PendingRequests, type ReplyOf } from './pending-requests';
import { RecentIds } from './recent-ids';
import { unrefTimeout } from './timers';
import { openSseTransport } from './transports/sse-transport';
import type { Transport, TransportClose, TransportHandlers } from './transports/transport';
import { openWebSocketTransport, resolveWebSocket } from './transports/websocket-transport';
import { HeartbeatWatchdog } from './watchdog';

/**
 * The device SDK: keeps one connection to an edge alive (WebSocket or SSE), reconnecting with
 * full-jitter backoff, watching heartbeats, de-duplicating and acking pushes, and matching
 * request/response frames (device list, device-to-device). Runs in browsers and Node.
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
  private reconnectHintMs?: number;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private connecting?: Deferred<Welcome>;
  private subscribed = false;
  private readonly recent: RecentIds;
  private readonly requests: PendingRequests;
  private readonly watchdog: HeartbeatWatchdog;

  constructor(options: DeviceClientOptions) {
    super((error, event) => this.reportHandlerError(error, String(event)));
    this.opts = resolveOptions(options);
    this.recent = new RecentIds(this.opts.dedupeWindow);
    this.requests = new PendingRequests(this.opts.requestTimeoutMs, this.opts.random);
    this.watchdog = new HeartbeatWatchdog({
      probe: () => this.send({ type: 'ping', t: Date.now() }).catch((e: unknown) => this.emitError(toClientError(e, 'connection_lost', 'heartbeat ping failed'))),
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
    return this.send({ type: 'ack', id: messageId }).catch((e: unknown) => this.emitError(toClientError(e, 'not_connected', `ack ${messageId} failed`)));
  }

  /** The devices of this account that are online now. */
  async listDevices(): Promise<DeviceInfo[]> {
    return (await this.request('devices.list', (reqId) => ({ type: 'devices.list', reqId }))).devices;
  }

  /** Like listDevices, and from now on emit 'device.online' / 'device.offline' (renewed after reconnects). */
  async subscribeDevices(): Promise<DeviceInfo[]> {
    const reply = await this.request('devices.subscribe', (reqId) => ({ type: 'devices.subscribe', reqId }));
    this.subscribed = true;
    return reply.devices;
  }

  /** Sends a message to another device of the account; resolves with the edge's delivery status. */
  async sendToDevice(deviceId: string, payload: unknown): Promise<DeliveryStatus> {
    return (await this.request('d2d.send', (reqId) => ({ type: 'd2d.send', reqId, to: deviceId, payload }))).status;
  }

  /** Closes the connection cleanly (1000), stops reconnecting and clears every timer. */
  async close(): Promise<void> {
    const wasActive = this._state !== 'idle' && this._state !== 'closed';
    this.generation++;
    this.clearReconnectTimer();
    this.watchdog.stop();
    this.subscribed = false;
    const closed = new DeviceClientError('closed', 'the client was closed');
    this.requests.rejectAll(closed);
    this.settleConnect(closed);
    const transport = this.transport;
    this.transport = undefined;
    this._connectionId = undefined;
    this.setState('closed');
    if (transport) await transport.close(1000, 'client closed');
    if (wasActive) void this.emit('close', { code: 1000, reason: 'client closed', willReconnect: false });
  }

  // ---- connection lifecycle -------------------------------------------------------------------

  private startAttempt(): void {
    const gen = ++this.generation;
    this.openTransport(gen).catch((e: unknown) => this.onTransportClosed(gen, { code: 1006, reason: '', error: toClientError(e, 'connect_failed', 'connect failed') }));
  }

  private async openTransport(gen: number): Promise<void> {
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
    const params = { baseUrl: this.opts.url, token, auth: this.opts.auth, handlers };
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
    this.requests.rejectAll(new DeviceClientError('connection_lost', `the connection closed (${info.code}) before the reply`));
    const decision = decideAfterClose({
      close: info,
      attempt: this.attempt,
      reconnectHintMs: this.reconnectHintMs,
      canRefreshToken: this.opts.canRefreshToken,
      authRetried: this.authRetried,
      reconnect: this.opts.reconnect,
      random: this.opts.random,
    });
    this.reconnectHintMs = undefined;
    const base = { code: info.code, reason: info.reason };
    if (decision.action === 'stop') {
      this.setState('closed');
      this.subscribed = false;
      this.settleConnect(decision.error);
      if (decision.replaced) void this.emit('replaced', { ...base, willReconnect: false });
      else this.emitError(decision.error);
      void this.emit('close', { ...base, willReconnect: false });
      return;
    }
    if (decision.authRetry) this.authRetried = true;
    else this.attempt++;
    if (info.error) this.emitError(info.error);
    this.setState(this.connecting ? 'connecting' : 'reconnecting');
    void this.emit('close', { ...base, willReconnect: true, delayMs: decision.delayMs });
    this.reconnectTimer = unrefTimeout(() => {
      this.reconnectTimer = undefined;
      this.startAttempt();
    }, decision.delayMs);
  }

  /** Drops a connection the client gave up on (silent peer) and lets the reconnect policy decide. */
  private dropConnection(reason: string): void {
    const transport = this.transport;
    const gen = this.generation;
    if (!transport) return;
    transport.close(4000, reason).catch((e: unknown) => this.emitError(toClientError(e, 'connection_lost', 'closing a dead connection failed')));
    this.onTransportClosed(gen, { code: 1006, reason });
  }

  // ---- frames ---------------------------------------------------------------------------------

  private onFrame(text: string): void {
    this.watchdog.activity();
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(text);
    } catch (e) {
      const code = e instanceof ProtocolValidationError ? e.code : 'invalid_frame';
      return this.emitError(new DeviceClientError(code, `ignored a frame from the edge: ${(e as Error).message}`, false, { cause: e }));
    }
    void this.emit('frame', frame);
    switch (frame.type) {
      case 'welcome':
        return this.onWelcome(frame);
      case 'push':
        return this.onPush(frame);
      case 'reconnect':
        this.reconnectHintMs = frame.afterMs;
        return void this.emit('reconnect', frame);
      case 'd2d.result':
      case 'devices.list.result':
      case 'devices.subscribe.result':
        // A subscribe renewed after a reconnect has no caller waiting; 'frame' already showed it.
        this.requests.resolve(frame);
        return;
      case 'error': {
        const error = new DeviceClientError(frame.code, frame.message);
        if (frame.reqId === undefined || !this.requests.reject(frame.reqId, error)) this.emitError(frame);
        return;
      }
      case 'pong':
        return;
      default:
        return void this.emit(frame.type, frame as never);
    }
  }

  private onWelcome(frame: Welcome): void {
    this.welcome = frame;
    this._connectionId = frame.connectionId;
    this.attempt = 0;
    this.authRetried = false;
    this.setState('open');
    this.watchdog.start(frame.heartbeatSeconds);
    const connecting = this.connecting;
    this.connecting = undefined;
    connecting?.resolve(frame);
    void this.emit('welcome', frame);
    if (this.subscribed) {
      this.send({ type: 'devices.subscribe', reqId: this.requests.nextId() }).catch((e: unknown) =>
        this.emitError(toClientError(e, 'not_connected', 'renewing the device subscription failed')),
      );
    }
  }

  private onPush(frame: PushMessage): void {
    const fresh = this.recent.add(frame.id);
    const handled = fresh ? this.emit('push', frame) : Promise.resolve();
    // A duplicate is acked again: it most likely came back because the first ack was lost.
    if (frame.ackRequired && this.opts.autoAck) void handled.then(() => this.ack(frame.id));
  }

  // ---- sending --------------------------------------------------------------------------------

  private send(frame: ClientFrame): Promise<void> {
    if (!this.transport || this._state !== 'open') {
      return Promise.reject(new DeviceClientError('not_connected', `cannot send ${frame.type}: the client is ${this._state}`));
    }
    return this.transport.send(frame);
  }

  private async request<K extends keyof ReplyOf>(kind: K, build: (reqId: string) => ClientFrame): Promise<ReplyOf[K]> {
    const reqId = this.requests.nextId();
    const frame = build(reqId);
    if (!this.transport || this._state !== 'open') {
      throw new DeviceClientError('not_connected', `cannot send ${kind}: the client is ${this._state}`);
    }
    const reply = this.requests.track(kind, reqId);
    this.send(frame).catch((e: unknown) => this.requests.reject(reqId, toClientError(e, 'not_connected', `sending ${kind} failed`)));
    return reply;
  }

  // ---- helpers --------------------------------------------------------------------------------

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
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
