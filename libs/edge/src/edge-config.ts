import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DEFAULT_MAX_MESSAGE_BYTES } from '@pushwire/protocol';
import {
  ConfigError,
  int,
  loadServiceConfig,
  journalConfigSpec,
  serviceTokenConfigSpec,
  str,
  url,
  type ConfigOf,
  type WithServiceTokens,
} from '@pushwire/service-kit';

/**
 * Every edge setting, its env key and default (Zuul Push's key in brackets where it has one).
 * Timing defaults follow docs/architecture.md "Flows" and the README's Configuration.
 */
export const edgeConfigSpec = {
  edgeId: str({
    env: 'PUSHWIRE_EDGE_ID',
    default: `edge-${hostname()}-${randomBytes(3).toString('hex')}`,
    pattern: /^[A-Za-z0-9._:@-]{1,64}$/,
    description: 'Id of this edge in the registry; unique per process.',
  }),
  host: str({ env: 'PUSHWIRE_EDGE_HOST', default: '0.0.0.0', description: 'Address the device port binds to.' }),
  internalHost: str({
    env: 'PUSHWIRE_EDGE_INTERNAL_HOST',
    default: '127.0.0.1',
    description: 'Address the internal port (deliver, notify, metrics) binds to: loopback unless senders on other hosts deliver here.',
  }),
  devicePort: int({
    env: 'PUSHWIRE_EDGE_PORT',
    default: 8080,
    min: 0,
    max: 65535,
    description: 'Device port: WebSocket /v1/connect, SSE /v1/events.',
  }),
  internalPort: int({
    env: 'PUSHWIRE_EDGE_INTERNAL_PORT',
    default: 8081,
    min: 0,
    max: 65535,
    description: 'Internal port: POST /v1/deliver, /metrics, /healthz, /readyz.',
  }),
  healthPort: int({
    env: 'PUSHWIRE_EDGE_HEALTH_PORT',
    default: -1,
    min: -1,
    max: 65535,
    description:
      "Plain node:http port answering GET /healthz and /readyz over HTTP/1.0 and 1.1, on the internal port's host, for checkers the uWS ports cannot answer (HTTP/1.0). -1 (default): off; 0: a free port.",
  }),
  internalUrl: str({
    env: 'PUSHWIRE_EDGE_INTERNAL_URL',
    default: '',
    description:
      "URL senders use to reach this edge's internal port (default http://<internal host, or 127.0.0.1 for 0.0.0.0>:<internal port>).",
  }),
  registryUrl: url({ env: 'PUSHWIRE_REGISTRY_URL', default: 'http://127.0.0.1:8082', description: 'Registry base URL.' }),
  ...serviceTokenConfigSpec,
  ...journalConfigSpec,
  jwtSecret: str({
    env: 'PUSHWIRE_JWT_SECRET',
    default: '',
    description: 'HS256 secret for device tokens (≥ 16 chars); or set PUSHWIRE_JWT_PUBLIC_KEY / PUSHWIRE_JWT_JWKS_URL.',
  }),
  jwtPublicKey: str({ env: 'PUSHWIRE_JWT_PUBLIC_KEY', default: '', description: 'PEM public key for RS256/ES256 device tokens.' }),
  jwtAlgorithm: str({
    env: 'PUSHWIRE_JWT_ALGORITHM',
    default: 'RS256',
    oneOf: ['RS256', 'ES256', 'EdDSA'],
    description: 'Algorithm of PUSHWIRE_JWT_PUBLIC_KEY.',
  }),
  jwtJwksUrl: str({ env: 'PUSHWIRE_JWT_JWKS_URL', default: '', description: 'JWKS URL publishing the device-token keys.' }),
  jwtIssuer: str({
    env: 'PUSHWIRE_JWT_ISSUER',
    default: '',
    pattern: /^\S{1,256}$/,
    description: 'Required `iss` of device tokens (empty: not checked).',
  }),
  jwtAudience: str({
    env: 'PUSHWIRE_JWT_AUDIENCE',
    default: '',
    pattern: /^\S{1,256}$/,
    description: 'Required `aud` of device tokens (empty: not checked).',
  }),
  jwtMaxLifetimeSeconds: int({
    env: 'PUSHWIRE_JWT_MAX_LIFETIME_SECONDS',
    default: 86_400,
    min: 60,
    max: 31 * 86_400,
    description: 'Longest validity a device token may claim: its exp at most this far from now and from its iat.',
  }),
  jwtClockLeewaySeconds: int({
    env: 'PUSHWIRE_JWT_CLOCK_LEEWAY_SECONDS',
    default: 30,
    min: 0,
    max: 300,
    description: 'Clock skew allowed for iat and nbf of device tokens (further ahead is refused); exp gets none.',
  }),
  registryTtlSeconds: int({
    env: 'PUSHWIRE_REGISTRY_TTL_SECONDS',
    default: 1800,
    min: 3,
    description: 'Registration TTL [zuul.push.registry.ttl.seconds]; bounds connection lifetime.',
  }),
  reconnectDitherSeconds: int({
    env: 'PUSHWIRE_RECONNECT_DITHER_SECONDS',
    default: 180,
    min: 0,
    description: 'Random lifetime reduction spreading reconnects [zuul.push.reconnect.dither.seconds].',
  }),
  closeGraceSeconds: int({
    env: 'PUSHWIRE_CLIENT_CLOSE_GRACE_SECONDS',
    default: 4,
    min: 0,
    description: 'Time between the reconnect frame and the close [zuul.push.client.close.grace.period].',
  }),
  noauthTtlSeconds: int({
    env: 'PUSHWIRE_NOAUTH_TTL_SECONDS',
    default: 8,
    min: 1,
    description: 'How long a first-frame-auth socket may stay unauthenticated [zuul.push.noauth.ttl.seconds].',
  }),
  heartbeatSeconds: int({
    env: 'PUSHWIRE_HEARTBEAT_SECONDS',
    default: 30,
    min: 1,
    description: 'WebSocket ping / SSE comment interval; a silent socket is closed after twice this.',
  }),
  maxMessageBytes: int({
    env: 'PUSHWIRE_MAX_MESSAGE_BYTES',
    default: DEFAULT_MAX_MESSAGE_BYTES,
    min: 256,
    description: 'Largest frame a device may send, and largest push payload (bytes).',
  }),
  ackTimeoutMs: int({
    env: 'PUSHWIRE_ACK_TIMEOUT_MS',
    default: 10_000,
    min: 10,
    description: 'How long a delivery with ackRequired waits for the device ack.',
  }),
  sendBufferBytes: int({
    env: 'PUSHWIRE_SEND_BUFFER_BYTES',
    default: 256 * 1024,
    min: 1024,
    description: 'Buffered bytes above which deliveries to a device answer `backpressure`.',
  }),
  maxSendBufferBytes: int({
    env: 'PUSHWIRE_MAX_SEND_BUFFER_BYTES',
    default: 1024 * 1024,
    min: 2048,
    description: 'Buffered bytes at which a slow device is closed with 4002.',
  }),
  slowConsumerSeconds: int({
    env: 'PUSHWIRE_SLOW_CONSUMER_SECONDS',
    default: 30,
    min: 1,
    description: 'A device continuously above the send buffer limit this long is closed with 4002.',
  }),
  maxBadFrames: int({
    env: 'PUSHWIRE_MAX_BAD_FRAMES',
    default: 10,
    min: 1,
    description: 'Malformed or unknown frames tolerated per connection before close 1008.',
  }),
  deviceFramesPerSecond: int({
    env: 'PUSHWIRE_DEVICE_FRAMES_PER_SECOND',
    default: 50,
    min: 1,
    description: 'Sustained frames per second a device may send (token bucket, burst = 2×).',
  }),
  maxDroppedFrames: int({
    env: 'PUSHWIRE_MAX_DROPPED_FRAMES',
    default: 0,
    min: 0,
    max: 1_000_000,
    description:
      'Frames over the rate a connection may have dropped within 10 s before it is closed 1008 (0: ten seconds at the sustained rate, 10 × PUSHWIRE_DEVICE_FRAMES_PER_SECOND).',
  }),
  leaseTtlSeconds: int({
    env: 'PUSHWIRE_EDGE_LEASE_TTL_SECONDS',
    default: 10,
    min: 2,
    max: 3600,
    description: "Edge liveness lease; a crashed edge's devices stop resolving within this.",
  }),
  acceptsPerSecond: int({
    env: 'PUSHWIRE_EDGE_ACCEPTS_PER_SECOND',
    default: 5000,
    min: 0,
    max: 1_000_000,
    description:
      'New device connections admitted per second (token bucket); beyond, 503 + Retry-After before any upgrade work. 0: no limit.',
  }),
  acceptBurst: int({
    env: 'PUSHWIRE_EDGE_ACCEPT_BURST',
    default: 0,
    min: 0,
    max: 1_000_000,
    description: "New connections admitted at once after a quiet spell (0: one second's worth, PUSHWIRE_EDGE_ACCEPTS_PER_SECOND).",
  }),
  drainSeconds: int({
    env: 'PUSHWIRE_EDGE_DRAIN_SECONDS',
    default: 20,
    min: 0,
    max: 3600,
    description: 'On SIGTERM, devices are asked to reconnect spread over this window before the edge exits.',
  }),
  deviceListUrl: str({
    env: 'PUSHWIRE_DEVICE_LIST_URL',
    default: '',
    description: 'Device-list service URL for devices.list / devices.subscribe (empty: those frames answer an error).',
  }),
  kafkaBrokers: str({
    env: 'KAFKA_BROKERS',
    default: '',
    description:
      'Kafka brokers (host:port,…) for connection events to pushwire.device-connections and the topic log pushwire.topic-messages (empty: no connection events are published, and subscribes are answered unavailable).',
  }),
  d2dPerSecond: int({
    env: 'PUSHWIRE_D2D_PER_SECOND',
    default: 20,
    min: 1,
    description: 'Sustained d2d.send per second a device may send (token bucket, burst = 2×); beyond: rate_limited.',
  }),
  d2dRouteCacheSeconds: int({
    env: 'PUSHWIRE_D2D_ROUTE_CACHE_SECONDS',
    default: 30,
    min: 0,
    max: 3600,
    description: "How long a d2d target's location is reused without a registry lookup (stale routes are fenced and dropped).",
  }),
  d2dRouteRefreshAheadSeconds: int({
    env: 'PUSHWIRE_D2D_ROUTE_REFRESH_AHEAD_SECONDS',
    default: 10,
    min: 0,
    max: 3600,
    description:
      'A cached d2d route used within this many seconds of its end is looked up again in the background while it keeps being used (0: routes end, and the next send waits for a lookup).',
  }),
  maxTopicsPerConnection: int({
    env: 'PUSHWIRE_EDGE_MAX_TOPICS_PER_CONNECTION',
    default: 32,
    min: 1,
    max: 10_000,
    description: 'Topics one connection may subscribe to; one more is answered limit_exceeded.',
  }),
  topicHistoryMessages: int({
    env: 'PUSHWIRE_TOPIC_HISTORY_MESSAGES',
    default: 100,
    min: 0,
    max: 100_000,
    description: 'Messages per topic the edge keeps for devices recovering a gap (subscribe with since).',
  }),
  topicHistorySeconds: int({
    env: 'PUSHWIRE_TOPIC_HISTORY_SECONDS',
    default: 300,
    min: 0,
    max: 86_400,
    description:
      "How long the edge keeps a topic message for recovery (at most the message's TTL); also how far back the edge reads the topic log at start.",
  }),
  topicHistoryMaxBytes: int({
    env: 'PUSHWIRE_TOPIC_HISTORY_MAX_BYTES',
    default: 64 * 1024 * 1024,
    min: 0,
    max: 64 * 1024 * 1024 * 1024,
    description: 'Byte budget of the whole topic history of this edge (oldest messages go first).',
  }),
  topicHistoryMaxTopics: int({
    env: 'PUSHWIRE_TOPIC_HISTORY_MAX_TOPICS',
    default: 100_000,
    min: 1,
    max: 100_000_000,
    description: 'Topics the topic history holds at most; past it, topics are evicted to make room.',
  }),
  sweepIntervalMs: int({
    env: 'PUSHWIRE_EDGE_SWEEP_INTERVAL_MS',
    default: 1000,
    min: 10,
    max: 60_000,
    description: 'How often lifetimes, auth deadlines and slow consumers are checked.',
  }),
} as const;

/** The edge's settings, and its service tokens by role (edge: what it presents; sender and edge: who may deliver). */
export type EdgeConfig = WithServiceTokens<ConfigOf<typeof edgeConfigSpec>>;

/** Loads and cross-checks the edge config (a missing device-token key stops the edge). */
export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<EdgeConfig> = {}): EdgeConfig {
  const c = loadServiceConfig(edgeConfigSpec, env, overrides, {
    required: ['edge', 'sender'],
    why: 'the edge registers with the registry with the first edge token, and takes deliveries from senders and notices from the device list',
  });
  const problems: string[] = [];
  if (!c.jwtSecret && !c.jwtPublicKey && !c.jwtJwksUrl) {
    problems.push('PUSHWIRE_JWT_SECRET (or PUSHWIRE_JWT_PUBLIC_KEY / PUSHWIRE_JWT_JWKS_URL) is required: no device could authenticate');
  }
  if (c.jwtSecret && c.jwtSecret.length < 16) problems.push('PUSHWIRE_JWT_SECRET must be at least 16 characters');
  if (c.jwtClockLeewaySeconds >= c.jwtMaxLifetimeSeconds)
    problems.push('PUSHWIRE_JWT_CLOCK_LEEWAY_SECONDS must be less than PUSHWIRE_JWT_MAX_LIFETIME_SECONDS');
  if (c.maxSendBufferBytes <= c.sendBufferBytes)
    problems.push('PUSHWIRE_MAX_SEND_BUFFER_BYTES must be greater than PUSHWIRE_SEND_BUFFER_BYTES');
  if (c.reconnectDitherSeconds + c.closeGraceSeconds >= c.registryTtlSeconds) {
    problems.push('PUSHWIRE_REGISTRY_TTL_SECONDS must exceed PUSHWIRE_RECONNECT_DITHER_SECONDS + PUSHWIRE_CLIENT_CLOSE_GRACE_SECONDS');
  }
  if (problems.length) {
    throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return c;
}
