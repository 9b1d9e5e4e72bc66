import { randomBytes } from 'node:crypto';
import uWS, { type TemplatedApp, type us_listen_socket, type WebSocket } from 'uWebSockets.js';
import { CloseCode, type AccountNotice, type DeviceConnectionEvent, type Registration } from '@pushwire/protocol';
import { AuthError, type DeviceAuthenticator, type DeviceIdentity } from '@pushwire/auth';
import { DeviceListClient } from '@pushwire/device-list-client';
import { EdgeClient } from '@pushwire/edge-client';
import type { EventBus } from '@pushwire/event-bus';
import { RouteCache, type RegistryClient } from '@pushwire/registry-client';
import { createMetricsRegistry, type Logger, type Registry } from '@pushwire/service-kit';
import { AckWaiter } from './acks';
import { Connection, internDeviceType, Phase, Transport, type SocketData } from './connection';
import { ConnectionTable } from './connection-table';
import { Deliverer } from './delivery';
import { ConnectionEventPublisher } from './devices/connection-events';
import { sameAccountPolicy, type D2dPolicy } from './devices/d2d-policy';
import { D2dRouter } from './devices/d2d-router';
import { DeviceRequests, type DeviceRequestFrame } from './devices/device-requests';
import { buildDevicePort, type DevicePortHost } from './device-port';
import type { EdgeConfig } from './edge-config';
import { EdgeMetrics } from './edge-metrics';
import { FrameHandler, type FrameHandlerHost } from './frame-handler';
import { buildInternalPort, type InternalPortHost } from './internal-port';
import { AcceptLimiter } from './accept-limiter';
import { LeaseKeeper } from './lease-keeper';
import { RegistrationPipeline } from './registration-pipeline';
import { Sweeper } from './sweeper';
import { closeConnection } from './transport';

export interface EdgeDeps {
  config: EdgeConfig;
  authenticator: DeviceAuthenticator;
  registry: RegistryClient;
  logger: Logger;
  metricsRegistry?: Registry;
  /** Where connects and disconnects are published for the device list (DESIGN.md §5); none when absent. */
  eventBus?: EventBus;
  /** Who may message whom device to device. Default: devices of the same account. */
  d2dPolicy?: D2dPolicy;
  /** Clock and randomness, injectable for tests. */
  now?: () => number;
  random?: () => number;
}

/**
 * One push-edge: holds device connections, keeps the registry informed, delivers pushes. Built by
 * `startEdge`; `drain()` and `close()` end it.
 */
export class EdgeServer implements DevicePortHost, InternalPortHost, FrameHandlerHost {
  readonly edgeId: string;
  readonly serviceToken: string;
  readonly maxMessageBytes: number;
  readonly heartbeatSeconds: number;
  readonly metricsRegistry: Registry;
  readonly metrics: EdgeMetrics;
  readonly frames: FrameHandler;
  readonly deliverer: Deliverer;
  devicePort = 0;
  internalPort = 0;
  /** Where senders reach this edge's internal port; known once listening. */
  internalUrl = '';

  private readonly table = new ConnectionTable();
  private readonly authenticating = new Set<Connection>();
  private readonly acks: AckWaiter;
  private readonly pipeline: RegistrationPipeline;
  private readonly lease: LeaseKeeper;
  private readonly sweeper: Sweeper;
  private readonly acceptLimiter: AcceptLimiter;
  private readonly devices: DeviceRequests;
  private readonly deviceList: DeviceListClient | undefined;
  private readonly edgeTransport: EdgeClient;
  private readonly connectionEvents: ConnectionEventPublisher | undefined;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly listenSockets: us_listen_socket[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private sseCount = 0;
  private draining = false;
  private lastEventAt = 0;

  constructor(private readonly deps: EdgeDeps) {
    const c = deps.config;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.edgeId = c.edgeId;
    this.serviceToken = c.serviceToken;
    this.maxMessageBytes = c.maxMessageBytes;
    this.heartbeatSeconds = c.heartbeatSeconds;
    this.metricsRegistry = deps.metricsRegistry ?? createMetricsRegistry('push-edge');
    this.metrics = new EdgeMetrics(
      this.metricsRegistry,
      () => ({
        websocket: this.table.size - this.sseCount,
        sse: this.sseCount,
        authenticating: this.authenticating.size,
      }),
      () => this.draining,
    );
    this.acks = new AckWaiter(c.ackTimeoutMs, this.now);
    this.frames = new FrameHandler(
      { maxBadFrames: c.maxBadFrames, framesPerSecond: c.deviceFramesPerSecond },
      this.acks,
      this,
      this.metrics,
      this.now,
    );
    this.deliverer = new Deliverer(
      this.edgeId,
      this.table,
      this.acks,
      { sendBufferBytes: c.sendBufferBytes, maxMessageBytes: c.maxMessageBytes },
      this.metrics,
      (conn) => this.close(conn, CloseCode.TOO_SLOW, 'too slow'),
      this.now,
    );
    this.pipeline = new RegistrationPipeline(deps.registry, deps.logger, {
      onError: (operation) => this.metrics.registryErrors.labels(operation).inc(),
    });
    this.lease = new LeaseKeeper(deps.registry, deps.logger, {
      edgeId: this.edgeId,
      ttlSeconds: c.leaseTtlSeconds,
      onLeaseLost: () => this.reRegisterAll(),
      onError: () => this.metrics.registryErrors.labels('lease').inc(),
    });
    this.sweeper = new Sweeper(
      this.table,
      this.authenticating,
      {
        closeGraceMs: c.closeGraceSeconds * 1000,
        reconnectSpreadMs: 1000,
        sendBufferBytes: c.sendBufferBytes,
        slowConsumerMs: c.slowConsumerSeconds * 1000,
        heartbeatMs: c.heartbeatSeconds * 1000,
        onReconnectAsked: (reason) => this.metrics.reconnectsAsked.labels(reason).inc(),
      },
      (conn, code, reason) => this.close(conn, code, reason),
    );
    this.acceptLimiter = new AcceptLimiter({
      perSecond: c.acceptsPerSecond,
      burst: c.acceptBurst || undefined,
      maxRetryAfterSeconds: 30,
      now: this.now,
    });
    this.connectionEvents =
      deps.eventBus &&
      new ConnectionEventPublisher(deps.eventBus, deps.logger, {
        onDropped: (n) => this.metrics.eventsDropped.inc(n),
        onError: () => this.metrics.eventErrors.inc(),
      });
    this.edgeTransport = new EdgeClient({ serviceToken: c.serviceToken, timeoutMs: 2000 });
    this.deviceList = c.deviceListUrl ? new DeviceListClient({ baseUrl: c.deviceListUrl, serviceToken: c.serviceToken }) : undefined;
    this.devices = new DeviceRequests({
      deviceList: this.deviceList,
      d2d: new D2dRouter({
        edgeId: this.edgeId,
        localConnection: (deviceId) => this.table.get(deviceId),
        deliverLocal: (d) => this.deliverer.deliver(d),
        registry: deps.registry,
        transport: this.edgeTransport,
        routes: new RouteCache(c.d2dRouteCacheSeconds * 1000, 100_000, this.now),
        policy: deps.d2dPolicy ?? sameAccountPolicy,
        now: this.now,
      }),
      d2dPerSecond: c.d2dPerSecond,
      send: (conn, frame) => this.frames.send(conn, frame),
      sendError: (conn, code, message, reqId) => this.frames.sendError(conn, code, message, reqId),
      connectionsOf: (accountId) => this.table.ofAccount(accountId),
      onD2d: (status, seconds) => {
        this.metrics.d2d.labels(status).inc();
        this.metrics.d2dLatency.observe(seconds);
      },
      logger: deps.logger,
      now: this.now,
    });
  }

  /** Open device connections (authenticated). */
  get connections(): number {
    return this.table.size;
  }

  /** Binds both ports, takes the lease and starts the sweeper. */
  async listen(): Promise<void> {
    const c = this.deps.config;
    const internal = buildInternalPort(this);
    this.internalPort = await listenOn(internal, c.host, c.internalPort, this.listenSockets);
    this.internalUrl = c.internalUrl || `http://127.0.0.1:${this.internalPort}`;
    await this.lease.start(this.internalUrl);
    this.devicePort = await listenOn(buildDevicePort(this), c.host, c.devicePort, this.listenSockets);
    this.sweepTimer = setInterval(() => this.sweeper.sweep(this.now()), c.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  // ---- DevicePortHost -------------------------------------------------------------------------

  authenticate(token: string): Promise<DeviceIdentity> {
    return this.deps.authenticator.authenticate(token).catch((err: unknown) => {
      this.metrics.rejects.labels(err instanceof AuthError ? err.reason : 'auth_error').inc();
      throw err;
    });
  }

  admission(): { code: 'draining' | 'overloaded'; retryAfterSeconds: number } | undefined {
    if (this.draining) {
      this.metrics.rejects.labels('draining').inc();
      return { code: 'draining', retryAfterSeconds: 1 };
    }
    const refusal = this.acceptLimiter.admit();
    if (refusal) this.metrics.rejects.labels(refusal.code).inc();
    return refusal;
  }

  newConnection(transport: Transport, identity: DeviceIdentity | undefined): Connection {
    const c = new Connection(transport, randomBytes(9).toString('base64url'), identity ? Phase.Open : Phase.Authenticating);
    if (identity) this.identify(c, identity);
    return c;
  }

  attached(c: Connection): void {
    if (c.phase === Phase.Authenticating) {
      c.deadline = this.now() + this.deps.config.noauthTtlSeconds * 1000;
      this.authenticating.add(c);
      return;
    }
    this.open(c);
  }

  detached(c: Connection, code: number): void {
    if (c.phase === Phase.Closed) return;
    c.phase = Phase.Closed;
    c.socket = undefined;
    this.metrics.closes.labels(String(code)).inc();
    this.authenticating.delete(c);
    this.acks.connectionClosed(c);
    if (this.table.remove(c)) {
      if (c.transport === Transport.Sse) this.sseCount--;
      this.pipeline.deregister(c.deviceId, c.connectionId);
      this.announce('disconnected', c);
    }
  }

  connectionOf(deviceId: string): Connection | undefined {
    return this.table.get(deviceId);
  }

  // ---- FrameHandlerHost -----------------------------------------------------------------------

  authenticateFirstFrame(c: Connection, token: string): void {
    this.authenticating.delete(c); // only one auth frame is ever processed
    c.deadline = Number.MAX_SAFE_INTEGER;
    this.authenticate(token).then(
      (identity) => {
        if (c.phase !== Phase.Authenticating) return; // closed meanwhile
        this.identify(c, identity);
        c.phase = Phase.Open;
        this.open(c);
      },
      (err) => {
        if (c.phase !== Phase.Authenticating) return;
        this.frames.sendError(c, 'unauthorized', err instanceof AuthError ? err.message : 'authentication failed');
        this.close(c, CloseCode.AUTH_FAILED, 'authentication failed');
      },
    );
  }

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

  deviceRequest(c: Connection, frame: DeviceRequestFrame): void {
    this.devices.handle(c, frame);
  }

  // ---- InternalPortHost -----------------------------------------------------------------------

  notify(notice: AccountNotice): number {
    const notified = this.devices.notify(notice);
    this.metrics.notices.inc(notified);
    return notified;
  }

  ready(): boolean {
    return !this.draining && this.listenSockets.length === 2;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /**
   * Stops accepting, asks every device to reconnect at a random moment within `windowMs`, and
   * resolves when all are gone (or the window plus the close grace has passed).
   */
  async drain(windowMs: number): Promise<void> {
    this.draining = true;
    this.sweeper.spreadDeadlines(this.now(), windowMs, this.random);
    const limit = this.now() + windowMs + this.deps.config.closeGraceSeconds * 1000 + 2 * this.deps.config.sweepIntervalMs;
    while (this.table.size > 0 && this.now() < limit)
      await new Promise((r) => setTimeout(r, Math.min(100, this.deps.config.sweepIntervalMs)));
  }

  /**
   * Stops the edge: unbinds the ports, closes every connection (1001 going away), deregisters them,
   * releases the lease so lookups stop resolving here at once, and ends the timers.
   */
  async stop(): Promise<void> {
    this.draining = true;
    for (const socket of this.listenSockets.splice(0)) uWS.closeSocket(socket as never);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const c of [...this.authenticating]) this.close(c, CloseCode.GOING_AWAY, 'edge shutting down');
    for (const c of [...this.table.values()]) this.close(c, CloseCode.GOING_AWAY, 'edge shutting down');
    this.acks.close();
    await Promise.all([this.pipeline.close(), this.connectionEvents?.close()]);
    await this.lease.stop(true);
    await Promise.all([this.edgeTransport.close(), this.deviceList?.close()]);
  }

  private identify(c: Connection, id: DeviceIdentity): void {
    c.deviceId = id.deviceId;
    c.accountId = id.accountId;
    c.deviceType = internDeviceType(id.deviceType);
    c.deviceName = id.deviceName;
  }

  /** Authenticated and attached: replace any older connection, register, welcome. */
  private open(c: Connection): void {
    const cfg = this.deps.config;
    const now = this.now();
    c.connectedAt = now;
    // A connection never outlives its registration: TTL − random dither − grace (DESIGN.md §5).
    const lifetimeMs = (cfg.registryTtlSeconds - this.random() * cfg.reconnectDitherSeconds - cfg.closeGraceSeconds) * 1000;
    c.deadline = now + Math.floor(lifetimeMs);
    const replaced = this.table.add(c);
    if (c.transport === Transport.Sse) this.sseCount++;
    if (replaced) {
      if (replaced.transport === Transport.Sse) this.sseCount--;
      this.acks.connectionClosed(replaced);
      this.close(replaced, CloseCode.REPLACED, 'replaced by a newer connection');
    }
    this.metrics.accepts.labels(c.transport === Transport.Sse ? 'sse' : 'websocket').inc();
    this.pipeline.register(this.registrationOf(c));
    this.announce('connected', c);
    this.frames.send(c, {
      type: 'welcome',
      protocol: 1,
      connectionId: c.connectionId,
      deviceId: c.deviceId,
      accountId: c.accountId,
      heartbeatSeconds: cfg.heartbeatSeconds,
      maxLifetimeSeconds: Math.max(1, Math.floor(lifetimeMs / 1000)),
      serverTime: now,
    });
  }

  private registrationOf(c: Connection): Registration {
    return {
      deviceId: c.deviceId,
      accountId: c.accountId,
      deviceType: c.deviceType,
      ...(c.deviceName ? { deviceName: c.deviceName } : {}),
      edgeId: this.edgeId,
      edgeUrl: this.internalUrl,
      connectionId: c.connectionId,
      connectedAt: c.connectedAt,
      expiresAt: Math.floor(c.connectedAt / 1000) + this.deps.config.registryTtlSeconds,
    };
  }

  /**
   * The lease lapsed (the registry stopped resolving our devices, and the device list marked them
   * offline): register every live connection again and announce it again, with a later event time
   * so the announcement wins over the synthetic disconnect.
   */
  private reRegisterAll(): void {
    for (const c of this.table.values()) {
      if (c.phase === Phase.Closed) continue;
      this.pipeline.register(this.registrationOf(c));
      this.announce('connected', c);
    }
  }

  private announce(kind: DeviceConnectionEvent['kind'], c: Connection): void {
    this.connectionEvents?.publish({
      v: 1,
      kind,
      accountId: c.accountId,
      deviceId: c.deviceId,
      deviceType: c.deviceType,
      ...(c.deviceName ? { deviceName: c.deviceName } : {}),
      connectionId: c.connectionId,
      connectedAt: c.connectedAt,
      edgeId: this.edgeId,
      edgeUrl: this.internalUrl,
      at: this.nextEventAt(),
    });
  }

  /** Strictly increasing event times, so a disconnect in the same millisecond as its connect still orders after it. */
  private nextEventAt(): number {
    const now = this.now();
    this.lastEventAt = now > this.lastEventAt ? now : this.lastEventAt + 1;
    return this.lastEventAt;
  }
}

function listenOn(app: TemplatedApp, host: string, port: number, sockets: us_listen_socket[]): Promise<number> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (!socket) {
        reject(new Error(`cannot listen on ${host}:${port} (in use or not permitted)`));
        return;
      }
      sockets.push(socket);
      resolve(uWS.getSocketPort(socket as never));
    });
  });
}
