import { randomUUID } from 'node:crypto';
import { closeListenSocket, type TemplatedApp, type us_listen_socket } from '@pushwire/uws';
import { CloseCode } from '@pushwire/protocol';
import type { DeviceAuthenticator } from '@pushwire/auth';
import { DeviceListClient } from '@pushwire/device-list-client';
import type { EventBus, EventLog } from '@pushwire/event-bus';
import { RouteCache, type InboxClient, type RegistryClient } from '@pushwire/registry-client';
import {
  createMetricsRegistry,
  journalFromConfig,
  type JournalRecorder,
  type Logger,
  type MessageJournal,
  type Registry,
} from '@pushwire/service-kit';
import { AcceptLimiter } from './accept-limiter';
import { AckWaiter } from './acks';
import { Admission } from './admission';
import type { CloseConnection, Connection } from './connection';
import { ConnectionLifecycle } from './connection-lifecycle';
import { ConnectionTable } from './connection-table';
import { Deliverer } from './delivery';
import { ConnectionEventPublisher } from './devices/connection-events';
import { sameAccountPolicy, type D2dPolicy } from './devices/d2d-policy';
import { D2dRouter } from './devices/d2d-router';
import { DeviceRequests } from './devices/device-requests';
import { buildDevicePort } from './device-port';
import type { EdgeConfig } from './edge-config';
import { EdgeMetrics } from './edge-metrics';
import { edgeReadiness, type EdgeReadiness } from './edge-readiness';
import { FrameHandler } from './frame-handler';
import { startHealthPort, type HealthPort } from './health-port';
import { logHandlerFailures, type HandlerFailure } from './guarded-app';
import { inboxDelivery, type InboxDelivery } from './inbox-delivery';
import { buildInternalPort, EDGE_SERVICE } from './internal-port';
import { LeaseKeeper } from './lease-keeper';
import { EdgeLinks } from './links/edge-links';
import { labelledCounter } from './metric-labels';
import { LinkEndpoint } from './links/link-endpoint';
import { Presence } from './presence';
import { RegistrationPipeline } from './registration-pipeline';
import { Sweeper } from './sweeper';
import { EdgeTopics } from './topics/edge-topics';
import type { TopicPolicy } from './topics/topic-policy';
import { sendErrorFrame, sendServerFrame } from './transport';
import { listenOn, urlHost } from './uws-http';

export interface EdgeDeps {
  config: EdgeConfig;
  authenticator: DeviceAuthenticator;
  registry: RegistryClient;
  logger: Logger;
  metricsRegistry?: Registry;
  /** Where connects and disconnects are published for the device list (docs/architecture.md, Flows); none when absent. */
  eventBus?: EventBus;
  /**
   * The per-device inbox: read when a device's registration is confirmed, and where delivered stored
   * messages are removed (the app passes an HttpInboxClient on the registry, the all-in-one a
   * StoreInboxClient). None: stored messages are neither read nor removed here.
   */
  inbox?: InboxClient;
  /** Who may message whom device to device. Default: devices of the same account. */
  d2dPolicy?: D2dPolicy;
  /**
   * The topic log (`pushwire.topic-messages`) this edge reads in full for topic messages and
   * broadcasts (the app passes its Kafka bus, the all-in-one its memory bus). None: subscribes are
   * answered `unavailable`.
   */
  topicLog?: EventBus & EventLog;
  /** Which topics a device may subscribe to. Default: those its token's `topics` claim matches. */
  topicPolicy?: TopicPolicy;
  /**
   * More of what /readyz checks (the embedder's own dependencies); the edge always checks its lease.
   * A failing one answers 503 naming it.
   */
  readiness?: EdgeReadiness;
  /**
   * This process's message journal (GET /v1/messages/:id/events on the internal port; the
   * all-in-one shares one). Default: one of the edge's own, bounded by its config.
   */
  journal?: MessageJournal;
  /** Clock and randomness, injectable for tests. */
  now?: () => number;
  random?: () => number;
}

/**
 * One push-edge: builds its parts and wires them, each with only what it needs; binds the device
 * and internal ports; `drain()` and `stop()` end it. What happens to a connection is the
 * ConnectionLifecycle's, what a frame does the FrameHandler's, what a push does the Deliverer's.
 */
export class EdgeServer {
  readonly edgeId: string;
  readonly metricsRegistry: Registry;
  devicePort = 0;
  internalPort = 0;
  /** The plain-HTTP health port, once listening; 0 when PUSHWIRE_EDGE_HEALTH_PORT is off. */
  healthPort = 0;
  /** Where senders reach this edge's internal port; known once listening. */
  internalUrl = '';

  private readonly table = new ConnectionTable();
  private readonly acks: AckWaiter;
  private readonly admission: Admission;
  private readonly lifecycle: ConnectionLifecycle;
  private readonly pipeline: RegistrationPipeline;
  private readonly lease: LeaseKeeper;
  private readonly sweeper: Sweeper;
  private readonly deliverer: Deliverer;
  private readonly inbox: InboxDelivery;
  private readonly devices: DeviceRequests;
  private readonly frames: FrameHandler;
  /** Subscriptions, the topic history and feed, the fan-out over uWS pub/sub and SSE. */
  private readonly topics: EdgeTopics;
  /** The device port's uWS app, once built (the topic fan-out publishes through it). */
  private deviceUwsApp: TemplatedApp | undefined;
  private readonly metrics: EdgeMetrics;
  private readonly deviceList: DeviceListClient | undefined;
  /** This edge's links to its peers (relayed d2d out), and their end here (relayed d2d in). */
  private readonly links: EdgeLinks;
  private readonly linkEndpoint: LinkEndpoint;
  private readonly connectionEvents: ConnectionEventPublisher | undefined;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly journal: MessageJournal;
  /** The journal as this edge's parts record into it: every event tagged `push-edge`. */
  private readonly journalRecorder: JournalRecorder;
  private readonly listenSockets: us_listen_socket[] = [];
  private healthServer: HealthPort | undefined;
  /** Where both ports report a handler that threw (logged with its stack, a few a minute at most). */
  private readonly handlerFailed: HandlerFailure;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** The dependencies /readyz finds not ready (see EdgeDeps.readiness). */
  readonly notReady: EdgeReadiness;

  constructor(private readonly deps: EdgeDeps) {
    const c = deps.config;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.edgeId = c.edgeId;
    this.handlerFailed = logHandlerFailures(deps.logger);
    this.metricsRegistry = deps.metricsRegistry ?? createMetricsRegistry('push-edge');
    this.journal = deps.journal ?? journalFromConfig(deps.config);
    this.journalRecorder = this.journal.recorder(EDGE_SERVICE);
    this.metrics = new EdgeMetrics(
      this.metricsRegistry,
      () => this.lifecycle.counts(),
      () => this.admission.draining,
      () => this.topics.counts(),
    );
    this.acks = new AckWaiter(c.ackTimeoutMs, this.now);
    this.admission = new Admission({
      authenticator: deps.authenticator,
      limiter: new AcceptLimiter({
        perSecond: c.acceptsPerSecond,
        burst: c.acceptBurst || undefined,
        maxRetryAfterSeconds: 30,
        now: this.now,
      }),
      metrics: this.metrics,
      logger: deps.logger,
    });
    this.pipeline = new RegistrationPipeline(deps.registry, deps.logger, {
      onError: (operation) => this.metrics.registryErrors.labels(operation).inc(),
      // Only once the registry confirmed it: a sender storing meanwhile then finds the route.
      onRegistered: (registrations) => this.inbox.registered(registrations),
    });
    this.connectionEvents =
      deps.eventBus &&
      new ConnectionEventPublisher(deps.eventBus, deps.logger, {
        onDropped: (n) => this.metrics.eventsDropped.inc(n),
        onError: () => this.metrics.eventErrors.inc(),
      });
    const presence = new Presence({
      edgeId: this.edgeId,
      edgeUrl: () => this.internalUrl,
      registryTtlSeconds: c.registryTtlSeconds,
      registrations: this.pipeline,
      events: this.connectionEvents,
      now: this.now,
    });
    this.lease = new LeaseKeeper(deps.registry, deps.logger, {
      edgeId: this.edgeId,
      ttlSeconds: c.leaseTtlSeconds,
      incarnation: randomUUID(),
      onLeaseLost: () => {
        presence.reRegisterAll(this.table.values());
        this.pipeline.resume(); // the registry answers again: no reason to wait out the backoff
      },
      onError: () => this.metrics.registryErrors.labels('lease').inc(),
      now: this.now,
    });
    this.notReady = edgeReadiness({
      leaseRenewedAt: () => this.lease.renewedAt,
      leaseTtlMs: c.leaseTtlSeconds * 1000,
      extra: deps.readiness,
      now: this.now,
    });
    this.topics = new EdgeTopics({
      config: c,
      topicLog: deps.topicLog,
      policy: deps.topicPolicy,
      app: () => this.deviceUwsApp,
      forEachConnection: (visit) => this.table.forEach(visit),
      metrics: this.metrics,
      logger: deps.logger,
      now: this.now,
    });
    this.lifecycle = new ConnectionLifecycle(c, {
      table: this.table,
      acks: this.acks,
      admission: this.admission,
      presence,
      topics: this.topics.subscribers,
      metrics: this.metrics,
      now: this.now,
      random: this.random,
    });
    const close: CloseConnection = (conn, code, reason) => this.lifecycle.close(conn, code, reason);
    this.sweeper = new Sweeper(
      this.table,
      this.lifecycle.authenticating,
      {
        closeGraceMs: c.closeGraceSeconds * 1000,
        reconnectSpreadMs: 1000,
        sendBufferBytes: c.sendBufferBytes,
        slowConsumerMs: c.slowConsumerSeconds * 1000,
        heartbeatMs: c.heartbeatSeconds * 1000,
        onReconnectAsked: (reason) => this.metrics.reconnectsAsked.labels(reason).inc(),
      },
      close,
    );
    this.deliverer = new Deliverer(
      this.edgeId,
      this.table,
      this.acks,
      { sendBufferBytes: c.sendBufferBytes, maxMessageBytes: c.maxMessageBytes },
      this.metrics,
      (conn) => close(conn, CloseCode.TOO_SLOW, 'too slow'),
      this.now,
      this.journalRecorder,
    );
    // Relayed d2d deliveries and device-list reads go out with this edge's own (edge-role) token.
    const edgeToken = c.serviceTokens.edge[0]!;
    this.inbox = inboxDelivery({
      edgeId: this.edgeId,
      inbox: deps.inbox,
      eventBus: deps.eventBus,
      deliverer: this.deliverer,
      connectionOf: (accountId, deviceId) => this.table.get(accountId, deviceId),
      metrics: this.metrics,
      logger: deps.logger,
      now: this.now,
      journal: this.journalRecorder,
    });
    this.links = new EdgeLinks({
      serviceToken: edgeToken,
      timeoutMs: 2000,
      onFailure: (url, err) => deps.logger.warn({ err, url }, 'edge link failed; its messages in flight are unavailable'),
      now: this.now,
      random: this.random,
    });
    this.linkEndpoint = new LinkEndpoint({
      deliverer: this.inbox.deliverer,
      logger: deps.logger,
      observe: (seconds) => this.metrics.linkRequestLatency.observe(seconds),
    });
    this.deviceList = c.deviceListUrl ? new DeviceListClient({ baseUrl: c.deviceListUrl, serviceToken: edgeToken }) : undefined;
    const d2dByStatus = labelledCounter(this.metrics.d2d);
    this.devices = new DeviceRequests({
      deviceList: this.deviceList,
      d2d: new D2dRouter({
        edgeId: this.edgeId,
        localConnection: (accountId, deviceId) => this.table.get(accountId, deviceId),
        deliverLocal: (d) => this.deliverer.deliver(d),
        registry: deps.registry,
        transport: this.links,
        routes: new RouteCache(c.d2dRouteCacheSeconds * 1000, 100_000, this.now, {
          aheadMs: c.d2dRouteRefreshAheadSeconds * 1000,
          lookup: (devices) => deps.registry.lookup(devices).then((r) => r.registrations),
          onError: (err) => deps.logger.warn({ err }, 'd2d route refresh failed; the known route is kept'),
        }),
        policy: deps.d2dPolicy ?? sameAccountPolicy,
        now: this.now,
      }),
      d2dPerSecond: c.d2dPerSecond,
      send: sendServerFrame,
      sendError: sendErrorFrame,
      connectionsOf: (accountId) => this.table.ofAccount(accountId),
      onD2d: (status, seconds) => {
        d2dByStatus(status).inc();
        this.metrics.d2dLatency.observe(seconds);
      },
      logger: deps.logger,
      now: this.now,
    });
    this.frames = new FrameHandler(
      {
        maxBadFrames: c.maxBadFrames,
        framesPerSecond: c.deviceFramesPerSecond,
        maxDroppedFrames: c.maxDroppedFrames || 10 * c.deviceFramesPerSecond,
      },
      {
        acks: this.acks,
        requests: this.devices,
        topics: this.topics.subscriptions,
        authenticate: (conn, token) => this.lifecycle.authenticateFirstFrame(conn, token),
        refreshToken: (conn, token) => this.lifecycle.refreshToken(conn, token),
        close,
        metrics: this.metrics,
        now: this.now,
      },
    );
  }

  /** Open device connections (authenticated). */
  get connections(): number {
    return this.table.size;
  }

  /** Connects and disconnects not yet confirmed by the registry. */
  get registrationBacklog(): number {
    return this.pipeline.backlog;
  }

  /** The current connection of a device (account and device id) on this edge. */
  connectionOf(accountId: string, deviceId: string): Connection | undefined {
    return this.table.get(accountId, deviceId);
  }

  /** Ready to take connections and deliveries: listening and not draining. */
  ready(): boolean {
    return !this.admission.draining && this.listenSockets.length === 2;
  }

  /** Binds both ports, takes the lease and starts the sweeper. */
  async listen(): Promise<void> {
    const c = this.deps.config;
    this.internalPort = await listenOn(this.internalApp(), c.internalHost, c.internalPort, this.listenSockets);
    this.internalUrl = c.internalUrl || `http://${urlHost(c.internalHost)}:${this.internalPort}`;
    if (c.healthPort >= 0) {
      this.healthServer = await startHealthPort(c.internalHost, c.healthPort, () => this.ready(), this.notReady);
      this.healthPort = this.healthServer.port;
    }
    await this.lease.start(this.internalUrl);
    this.deviceUwsApp = this.deviceApp();
    // The topic feed fans out through the device app: started once it exists, before devices can connect.
    await this.topics.start();
    this.devicePort = await listenOn(this.deviceUwsApp, c.host, c.devicePort, this.listenSockets);
    this.sweepTimer = setInterval(() => this.sweeper.sweep(this.now()), c.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /**
   * Stops accepting, asks every device to reconnect at a random moment within `windowMs`, and
   * resolves when all are gone (or the window plus the close grace has passed).
   */
  async drain(windowMs: number): Promise<void> {
    this.admission.startDraining();
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
    this.admission.startDraining();
    for (const socket of this.listenSockets.splice(0)) closeListenSocket(socket);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const c of [...this.lifecycle.authenticating]) this.lifecycle.close(c, CloseCode.GOING_AWAY, 'edge shutting down');
    for (const c of [...this.table.values()]) this.lifecycle.close(c, CloseCode.GOING_AWAY, 'edge shutting down');
    this.acks.close();
    await Promise.all([this.topics.stop(), this.pipeline.close(), this.connectionEvents?.close(), this.inbox.close()]);
    await this.lease.stop(true);
    this.linkEndpoint.closeAll();
    await Promise.all([this.links.close(), this.deviceList?.close(), this.healthServer?.close()]);
  }

  private internalApp(): TemplatedApp {
    return buildInternalPort({
      serviceTokens: this.deps.config.serviceTokens,
      deliverer: this.inbox.deliverer,
      links: this.linkEndpoint,
      metrics: this.metrics,
      metricsRegistry: this.metricsRegistry,
      notify: (notice) => {
        const notified = this.devices.notify(notice);
        this.metrics.notices.inc(notified);
        return notified;
      },
      ready: () => this.ready(),
      notReady: this.notReady,
      handlerFailed: this.handlerFailed,
      journal: this.journal,
    });
  }

  private deviceApp(): TemplatedApp {
    return buildDevicePort({
      maxMessageBytes: this.deps.config.maxMessageBytes,
      heartbeatSeconds: this.deps.config.heartbeatSeconds,
      admission: this.admission,
      lifecycle: this.lifecycle,
      frames: this.frames,
      connectionOf: (accountId, deviceId) => this.connectionOf(accountId, deviceId),
      handlerFailed: this.handlerFailed,
    });
  }
}
