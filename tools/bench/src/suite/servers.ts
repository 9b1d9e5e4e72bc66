/**
 * The servers `npm run bench` measures side by side: Pushwire's edge (with its registry) and the
 * peers a user would pick instead — bare uWebSockets.js (the floor: the library the edge is built
 * on, doing nothing else), `ws` and Socket.IO. Each runs in its own process, so RSS and CPU time
 * read from /proc are that server's alone, and each is driven the same way: devices connect, a
 * sender hands the server batches of {deviceId, payload} and the devices time the arrival.
 */
import { EDGE_NODE_FLAGS } from '@pushwire/edge';
import { freePorts } from '@pushwire/infra';
import type { WireProtocol } from '@pushwire/loadgen';
import { EdgeClient } from '@pushwire/edge-client';
import type { DeviceRef } from '@pushwire/protocol';
import { waitFor } from '@pushwire/test-kit';
import {
  BENCH_JWT_SECRET,
  BENCH_SERVICE_TOKEN,
  benchServiceTokenEnv,
  collectGarbage,
  GC_ON_SIGNAL_FLAGS,
  startRegistry,
  startService,
  type StartedService,
} from '../service-process';

/** One message for one device: Pushwire names the device by account and id, the peers by its id alone. */
export interface PushItem extends DeviceRef {
  payload: string;
}

/** A server under test, started; `pid` is the process whose memory and CPU are reported. */
export interface RunningServer {
  readonly name: string;
  readonly protocol: WireProtocol;
  readonly devicePort: number;
  readonly pid: number;
  /** Pushwire: the registry its push client looks devices up in (peers have none). */
  readonly registryUrl?: string;
  /** Hands the server one batch to write to local devices (fire and forget); resolves with how many it wrote. */
  push(items: readonly PushItem[]): Promise<number>;
  /** Resolves once the server's state for `count` devices is complete (Pushwire: all registered, `last` included). */
  settled(count: number, last: DeviceRef): Promise<void>;
  /** A full GC in the server (it runs with --expose-gc and servers/gc-on-signal.cjs). */
  collectGarbage(): Promise<void>;
  /** SIGTERM (Pushwire: the edge drains), resolving once the process has exited. */
  terminate(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServerKind {
  readonly name: string;
  readonly short: string;
  start(): Promise<RunningServer>;
}

/** A peer server script of servers/ (control API in servers/control.ts). */
function peer(name: string, short: string, protocol: WireProtocol, script: string): ServerKind {
  return {
    name,
    short,
    async start() {
      const s = await startService(short, `tools/bench/src/servers/${script}`, (port) => ({ BENCH_PORT: String(port) }), '/readyz', {
        nodeFlags: GC_ON_SIGNAL_FLAGS,
      });
      const base = `http://127.0.0.1:${s.port}`;
      return {
        name,
        protocol,
        devicePort: s.port,
        pid: s.pid,
        async push(items) {
          const res = await fetch(`${base}/push`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            // Peers know devices by id alone: they get what they always got.
            body: JSON.stringify({ items: items.map(({ deviceId, payload }) => ({ deviceId, payload })) }),
          });
          if (!res.ok) throw new Error(`${short} /push answered ${res.status}: ${await res.text()}`);
          return ((await res.json()) as { delivered: number }).delivered;
        },
        async settled(count) {
          await waitFor(async () => ((await (await fetch(`${base}/stats`)).json()) as { connections: number }).connections >= count, {
            timeoutMs: 30_000,
            what: `${short} to hold ${count} connections`,
            intervalMs: 100,
            retryErrors: true,
          });
        },
        collectGarbage: () => collectGarbage(s.pid),
        terminate: () => s.process.stop('SIGTERM', 120_000).then(() => undefined),
        stop: () => s.process.stop('SIGKILL').then(() => undefined),
      };
    },
  };
}

export interface EdgeOptions {
  /** Extra edge environment (accept limit, drain window…). */
  env?: Record<string, string>;
}

/** Pushwire's edge as shipped (EDGE_NODE_FLAGS), on a registry service of its own (memory store). */
export async function startPushwireEdges(
  count: number,
  opts: EdgeOptions = {},
): Promise<{ edges: RunningServer[]; registryUrl: string; registryPid: number; stop(): Promise<void> }> {
  const registry = await startRegistry(BENCH_SERVICE_TOKEN);
  const registryUrl = `http://127.0.0.1:${registry.port}`;
  const transport = new EdgeClient({ serviceToken: BENCH_SERVICE_TOKEN, timeoutMs: 30_000 });
  const started: StartedService[] = [];
  const edges: RunningServer[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const [devicePort] = await freePorts(1);
      const edge = await startService(
        `edge-${i + 1}`,
        'apps/push-edge/src/main.ts',
        (internalPort) => ({
          PUSHWIRE_EDGE_ID: `bench-edge-${i + 1}`,
          PUSHWIRE_EDGE_PORT: String(devicePort),
          PUSHWIRE_EDGE_INTERNAL_PORT: String(internalPort),
          PUSHWIRE_EDGE_HOST: '127.0.0.1',
          ...benchServiceTokenEnv(),
          PUSHWIRE_JWT_SECRET: BENCH_JWT_SECRET,
          PUSHWIRE_REGISTRY_URL: registryUrl,
          PUSHWIRE_EDGE_DRAIN_SECONDS: '0',
          PUSHWIRE_EDGE_ACCEPTS_PER_SECOND: '0',
          ...opts.env,
        }),
        '/readyz',
        { nodeFlags: [...EDGE_NODE_FLAGS, ...GC_ON_SIGNAL_FLAGS] },
      );
      started.push(edge);
      const internalUrl = `http://127.0.0.1:${edge.port}`;
      edges.push({
        name: 'Pushwire edge',
        protocol: 'pushwire',
        devicePort: devicePort!,
        pid: edge.pid,
        async push(items) {
          const answer = await transport.deliver(
            internalUrl,
            items.map((it, n) => ({
              accountId: it.accountId,
              deviceId: it.deviceId,
              message: { id: `b${Date.now().toString(36)}${n}`, payload: it.payload },
            })),
          );
          if (answer.kind === 'failure') throw answer.error;
          return answer.outcomes.filter((o) => o.status === 'delivered').length;
        },
        async settled(_count, last) {
          await waitFor(
            async () =>
              (
                await fetch(`${registryUrl}/v1/accounts/${last.accountId}/registrations/${last.deviceId}`, {
                  headers: { authorization: `Bearer ${BENCH_SERVICE_TOKEN}` },
                })
              ).status === 200,
            { timeoutMs: 60_000, what: `${last.deviceId} of ${last.accountId} to be registered`, intervalMs: 100, retryErrors: true },
          );
        },
        collectGarbage: () => collectGarbage(edge.pid),
        terminate: () => edge.process.stop('SIGTERM', 120_000).then(() => undefined),
        stop: () => edge.process.stop('SIGKILL').then(() => undefined),
      });
    }
  } catch (e) {
    for (const s of started) await s.process.stop('SIGKILL');
    await registry.process.stop('SIGKILL');
    await transport.close();
    throw e;
  }
  return {
    edges,
    registryUrl,
    registryPid: registry.pid,
    async stop() {
      for (const s of started) await s.process.stop('SIGKILL');
      await registry.process.stop('SIGKILL');
      await transport.close();
    },
  };
}

export const PUSHWIRE: ServerKind = {
  name: 'Pushwire edge',
  short: 'pushwire',
  async start() {
    const cluster = await startPushwireEdges(1);
    const edge = cluster.edges[0]!;
    return { ...edge, registryUrl: cluster.registryUrl, stop: () => cluster.stop() };
  },
};

export const BARE_UWS = peer('bare uWebSockets.js', 'uws', 'ws', 'bare-uws.ts');
export const WS = peer('ws', 'ws', 'ws', 'ws-server.ts');
export const SOCKET_IO = peer('Socket.IO', 'socketio', 'socketio', 'socketio-server.ts');

/** In table order: Pushwire first, then the peers with the floor (bare uWS) last. */
export const ALL_SERVERS: readonly ServerKind[] = [PUSHWIRE, WS, SOCKET_IO, BARE_UWS];
