import { randomBytes } from 'node:crypto';
import { ServiceProcess } from '@pushwire/cluster';
import { EDGE_NODE_FLAGS } from '@pushwire/edge';
import { freePorts } from '@pushwire/infra';
import type { Hostile } from './hostile-cluster';

/** An edge started outside the cluster for one test, its ports, and how to stop it. */
export interface LoneEdge {
  readonly process: ServiceProcess;
  readonly devicePort: number;
  readonly internalPort: number;
  stop(): Promise<void>;
}

/**
 * Starts one more edge against the cluster's registry, with its own id, random device-token secret
 * and the cluster's role tokens, for a test that needs settings the cluster's edges do not have
 * (a device port on every interface, a health port). `env` comes last; the test stops it.
 */
export async function startLoneEdge(h: Hostile, id: string, env: Record<string, string> = {}): Promise<LoneEdge> {
  const [devicePort, internalPort] = (await freePorts(2)) as [number, number];
  const edge = new ServiceProcess(
    {
      name: id,
      main: 'apps/push-edge/src/main.ts',
      nodeFlags: EDGE_NODE_FLAGS,
      readyUrl: `http://127.0.0.1:${internalPort}/readyz`,
      env: {
        PUSHWIRE_EDGE_ID: id,
        PUSHWIRE_EDGE_HOST: '127.0.0.1',
        PUSHWIRE_EDGE_PORT: String(devicePort),
        PUSHWIRE_EDGE_INTERNAL_PORT: String(internalPort),
        PUSHWIRE_REGISTRY_URL: h.cluster.registryUrl,
        PUSHWIRE_SENDER_TOKENS: h.cluster.serviceToken,
        PUSHWIRE_EDGE_TOKENS: h.cluster.edgeToken,
        PUSHWIRE_SERVICE_TOKEN: '',
        PUSHWIRE_JWT_SECRET: randomBytes(24).toString('base64url'),
        PUSHWIRE_EDGE_DRAIN_SECONDS: '0',
        PUSHWIRE_LOG_LEVEL: 'warn',
        ...env,
      },
    },
    h.output.sink,
  );
  await edge.start(); // a start that fails has already killed what it spawned
  return { process: edge, devicePort, internalPort, stop: () => edge.stop('SIGTERM', 10_000).then(() => undefined) };
}
