import { connect } from 'node:net';
import { mintDeviceToken } from '@pushwire/auth';
import { EDGE_NODE_FLAGS } from '@pushwire/edge';
import { freePorts } from '@pushwire/infra';
import { ServiceProcess } from '../src';
import { waitFor } from '@pushwire/test-kit';
import { CLUSTER_POLL } from './cluster-fixture';

/**
 * Separation of duties between real service processes: a registry and a standalone edge started
 * as `main.ts` with service tokens by role (two edge tokens: a rotation in progress), the edge's
 * internal port on loopback and its device port on another address.
 */
const SENDER = 'roles-sender-token-0123456789';
const EDGE_NEW = 'roles-edge-token-new-0123456789';
const EDGE_OLD = 'roles-edge-token-old-0123456789';
const JWT_SECRET = 'roles-jwt-secret-0123456789';
const DEVICE_HOST = '127.0.0.2';

const output = (service: string, line: string) => {
  if (process.env.PUSHWIRE_TEST_VERBOSE) process.stderr.write(`[${service}] ${line}\n`);
};

/** One JSON call with a bearer token: the status and the error code, if any. */
async function call(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; code?: string }> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as { error?: { code?: string } }) : {};
  return { status: res.status, ...(parsed.error?.code ? { code: parsed.error.code } : {}) };
}

/** Whether a TCP connection to host:port is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('service tokens by role, and the edge internal port, between real processes', () => {
  let registry: ServiceProcess;
  let edge: ServiceProcess;
  let registryUrl: string;
  let internalPort: number;
  let devicePort: number;

  beforeAll(async () => {
    let registryPort: number;
    [registryPort, internalPort, devicePort] = (await freePorts(3)) as [number, number, number];
    registryUrl = `http://127.0.0.1:${registryPort}`;
    const tokens = { PUSHWIRE_SENDER_TOKENS: SENDER, PUSHWIRE_EDGE_TOKENS: `${EDGE_NEW},${EDGE_OLD}`, PUSHWIRE_SERVICE_TOKEN: '' };
    registry = new ServiceProcess(
      {
        name: 'registry',
        main: 'apps/registry/src/main.ts',
        readyUrl: `${registryUrl}/readyz`,
        env: { PUSHWIRE_REGISTRY_HOST: '127.0.0.1', PUSHWIRE_REGISTRY_PORT: String(registryPort), PUSHWIRE_LOG_LEVEL: 'warn', ...tokens },
      },
      output,
    );
    // The edge presents the old edge token (still first on its list): the registry takes both.
    edge = new ServiceProcess(
      {
        name: 'edge',
        main: 'apps/push-edge/src/main.ts',
        nodeFlags: EDGE_NODE_FLAGS,
        readyUrl: `http://127.0.0.1:${internalPort}/readyz`,
        env: {
          ...tokens,
          PUSHWIRE_EDGE_TOKENS: `${EDGE_OLD},${EDGE_NEW}`,
          PUSHWIRE_EDGE_ID: 'roles-edge',
          PUSHWIRE_EDGE_HOST: DEVICE_HOST,
          PUSHWIRE_EDGE_PORT: String(devicePort),
          PUSHWIRE_EDGE_INTERNAL_PORT: String(internalPort),
          PUSHWIRE_REGISTRY_URL: registryUrl,
          PUSHWIRE_JWT_SECRET: JWT_SECRET,
          PUSHWIRE_EDGE_DRAIN_SECONDS: '0',
          PUSHWIRE_LOG_LEVEL: 'warn',
          KAFKA_BROKERS: '',
          PUSHWIRE_DEVICE_LIST_URL: '',
        },
      },
      output,
    );
    await registry.start();
    await edge.start();
  });
  afterAll(async () => {
    await edge?.stop('SIGTERM');
    await registry?.stop('SIGTERM');
  });

  it('a sender token can look devices up, but not register a route or take a lease (403 forbidden)', async () => {
    const registration = {
      deviceId: 'tv-roles',
      accountId: 'a1',
      deviceType: 'tv',
      edgeId: 'rogue',
      edgeUrl: 'http://127.0.0.1:1',
      connectionId: 'c1',
      connectedAt: Date.now(),
      expiresAt: Math.floor(Date.now() / 1000) + 60,
    };
    expect(await call('POST', `${registryUrl}/v1/registrations`, SENDER, { registrations: [registration] })).toEqual({
      status: 403,
      code: 'forbidden',
    });
    expect(await call('PUT', `${registryUrl}/v1/edges/rogue/lease`, SENDER, { edgeUrl: 'http://127.0.0.1:1', ttlSeconds: 10 })).toEqual({
      status: 403,
      code: 'forbidden',
    });
    expect(await call('POST', `${registryUrl}/v1/leases/status`, SENDER, { edgeIds: ['roles-edge'] })).toEqual({
      status: 403,
      code: 'forbidden',
    });
    expect(await call('POST', `${registryUrl}/v1/lookup`, SENDER, { devices: [{ accountId: 'a1', deviceId: 'tv-roles' }] })).toEqual({
      status: 200,
    });
    expect(
      await call('POST', `${registryUrl}/v1/lookup`, 'not-a-token-of-ours-0123', { devices: [{ accountId: 'a1', deviceId: 'x' }] }),
    ).toEqual({
      status: 401,
      code: 'unauthorized',
    });
  });

  it('takes both edge tokens of a rotation; the edge registers its devices with its own', async () => {
    for (const token of [EDGE_NEW, EDGE_OLD]) {
      expect(
        await call('PUT', `${registryUrl}/v1/edges/rotating-${token.length}/lease`, token, {
          edgeUrl: 'http://127.0.0.1:2',
          ttlSeconds: 10,
        }),
      ).toEqual({
        status: 200,
      });
    }
    const token = await mintDeviceToken({ secret: JWT_SECRET, accountId: 'a1', deviceId: 'tv-on-edge', deviceType: 'tv' });
    const stream = await fetch(`http://${DEVICE_HOST}:${devicePort}/v1/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(stream.status).toBe(200);
    try {
      await waitFor(
        async () =>
          (await fetch(`${registryUrl}/v1/accounts/a1/registrations/tv-on-edge`, { headers: { authorization: `Bearer ${SENDER}` } }))
            .status === 200,
        { ...CLUSTER_POLL, timeoutMs: 5000, what: "the edge's registration of tv-on-edge", intervalMs: 50 },
      );
    } finally {
      await stream.body?.cancel();
    }
  });

  it("on the edge's internal port: senders deliver, only edge tokens notify", async () => {
    const internal = `http://127.0.0.1:${internalPort}`;
    expect(
      await call('POST', `${internal}/v1/deliver`, SENDER, { accountId: 'a1', deviceId: 'nobody', message: { id: 'm1', payload: 1 } }),
    ).toEqual({
      status: 404,
    });
    const notice = { accountId: 'a1', frame: { type: 'device.offline', deviceId: 'tv-x' } };
    expect(await call('POST', `${internal}/v1/notify`, SENDER, notice)).toEqual({ status: 403, code: 'forbidden' });
    expect((await call('POST', `${internal}/v1/notify`, EDGE_NEW, notice)).status).toBe(200);
  });

  it('binds the internal port to its own host: not reachable on the device host', async () => {
    expect(await reachable(DEVICE_HOST, devicePort)).toBe(true);
    expect(await reachable('127.0.0.1', internalPort)).toBe(true);
    expect(await reachable(DEVICE_HOST, internalPort)).toBe(false);
    expect(await reachable('127.0.0.1', devicePort)).toBe(false);
  });

  it('a service will not start with one token for every role unless told so explicitly', async () => {
    const [port] = (await freePorts(1)) as [number];
    const lines: string[] = [];
    const shared = new ServiceProcess(
      {
        name: 'shared-registry',
        main: 'apps/registry/src/main.ts',
        readyUrl: `http://127.0.0.1:${port}/readyz`,
        readyTimeoutMs: 30_000,
        env: {
          PUSHWIRE_REGISTRY_HOST: '127.0.0.1',
          PUSHWIRE_REGISTRY_PORT: String(port),
          PUSHWIRE_SERVICE_TOKEN: 'one-token-for-everything-0123',
          PUSHWIRE_SENDER_TOKENS: '',
          PUSHWIRE_EDGE_TOKENS: '',
        },
      },
      (_service, line) => lines.push(line),
    );
    await expect(shared.start()).rejects.toThrow(/exited \(code 1\)/);
    expect(lines.join('\n')).toMatch(/PUSHWIRE_SERVICE_TOKEN alone would be one token for every role/);

    const allowed = new ServiceProcess(
      { ...shared.spec, env: { ...shared.spec.env, PUSHWIRE_ALLOW_SHARED_SERVICE_TOKEN: 'true' } },
      (_service, line) => lines.push(line),
    );
    await allowed.start();
    try {
      expect(lines.join('\n')).toMatch(/one service token serves every role/);
    } finally {
      await allowed.stop('SIGTERM');
    }
  });
});
