import { mintDeviceToken } from '@pushwire/auth';
import { MemoryRegistryStore, StoreRegistryClient, type RegistryStore } from '@pushwire/registry';
import { TestInboxClient } from '@pushwire/registry/testing';
import type { EventBus, EventLog } from '@pushwire/event-bus';
import type { InboxClient, RegistryClient } from '@pushwire/registry-client';
import { silentLogger, type Logger } from '@pushwire/service-kit';
import { EdgeServer } from '../edge-server';
import { loadEdgeConfig, type EdgeConfig } from '../edge-config';
import { authenticatorFromConfig } from '../start-edge';
import type { TopicPolicy } from '../topics/topic-policy';

export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789';
export const TEST_SERVICE_TOKEN = 'test-service-token-0123456789';

export interface TestEdge {
  edge: EdgeServer;
  store: RegistryStore;
  registry: RegistryClient;
  /** The edge's inbox: a TestInboxClient (@pushwire/registry/testing) unless the test gave one. */
  inbox: InboxClient;
  /** ws://127.0.0.1:<device port> */
  wsUrl: string;
  /** http://127.0.0.1:<device port> */
  deviceUrl: string;
  /** http://127.0.0.1:<internal port> */
  internalUrl: string;
  /** A device token this edge accepts (its secret, and its issuer and audience when it requires them). */
  token(
    accountId: string,
    deviceId: string,
    opts?: { deviceType?: string; ttlSeconds?: number; topics?: readonly string[] },
  ): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A real edge on loopback ports chosen by the OS, with an in-memory registry (unless one is given)
 * and test secrets. Pass config overrides to shorten lifetimes, heartbeats and limits.
 */
export async function startTestEdge(
  overrides: Partial<EdgeConfig> = {},
  deps: {
    store?: RegistryStore;
    registry?: RegistryClient;
    inbox?: InboxClient;
    eventBus?: EventBus;
    /** The topic log the edge reads (e.g. a MemoryEventBus shared by several test edges); none: subscribes are `unavailable`. */
    topicLog?: EventBus & EventLog;
    topicPolicy?: TopicPolicy;
    logger?: Logger;
    now?: () => number;
  } = {},
): Promise<TestEdge> {
  const store = deps.store ?? new MemoryRegistryStore();
  const registry = deps.registry ?? new StoreRegistryClient(store);
  const inbox = deps.inbox ?? new TestInboxClient({ now: deps.now });
  const config = loadEdgeConfig(
    {},
    {
      host: '127.0.0.1',
      devicePort: 0,
      internalPort: 0,
      serviceToken: TEST_SERVICE_TOKEN,
      jwtSecret: TEST_JWT_SECRET,
      edgeId: `test-edge-${Math.random().toString(36).slice(2, 8)}`,
      ...overrides,
    },
  );
  const edge = new EdgeServer({
    config,
    authenticator: authenticatorFromConfig(config),
    registry,
    inbox,
    ...(deps.eventBus ? { eventBus: deps.eventBus } : {}),
    ...(deps.topicLog ? { topicLog: deps.topicLog } : {}),
    ...(deps.topicPolicy ? { topicPolicy: deps.topicPolicy } : {}),
    logger: deps.logger ?? silentLogger(),
    ...(deps.now ? { now: deps.now } : {}),
  });
  await edge.listen();
  return {
    edge,
    store,
    registry,
    inbox,
    wsUrl: `ws://127.0.0.1:${edge.devicePort}`,
    deviceUrl: `http://127.0.0.1:${edge.devicePort}`,
    internalUrl: edge.internalUrl,
    token: (accountId, deviceId, opts = {}) =>
      mintDeviceToken({
        secret: config.jwtSecret,
        accountId,
        deviceId,
        deviceType: opts.deviceType ?? 'tv',
        ttlSeconds: opts.ttlSeconds,
        topics: opts.topics,
        // Tokens that pass the edge's own checks when it requires an issuer and audience.
        issuer: config.jwtIssuer || undefined,
        audience: config.jwtAudience || undefined,
      }),
    stop: async () => {
      await edge.stop();
      if (!deps.registry) await registry.close();
      if (!deps.store) await store.close();
    },
  };
}
