import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DeviceClient, type DeviceClientOptions } from '@pushwire/device-client';
import { waitForEvent } from '@pushwire/device-client/testing';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '@pushwire/edge/testing';
import { EdgeClient } from '@pushwire/edge-client';
import { MemoryRegistryStore } from '@pushwire/registry';

/** Starts test/edge-process.ts: a real edge (heartbeat 1 s) in a child process; resolves with its URLs. */
function edgeProcess(): Promise<{ child: ChildProcess; deviceUrl: string }> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'edge-process.ts')], { cwd: join(__dirname, '../../..') });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) resolve({ child, deviceUrl: (JSON.parse(out) as { deviceUrl: string }).deviceUrl });
    });
    child.on('exit', (code) => reject(new Error(`the edge process exited (${code}) before listening`)));
  });
}

/**
 * The device SDK failing over between two real edges sharing one registry, as devices of a cluster
 * do: an edge that stops, an edge that drains. (Here rather than in device-client: the edge's own
 * tests import the SDK, so the SDK's importing the edge would be a dependency cycle.)
 */
describe('device SDK failover between real edges', () => {
  const clients: DeviceClient[] = [];
  const edges: TestEdge[] = [];
  const sender = new EdgeClient({ serviceToken: TEST_SERVICE_TOKEN });
  let store: MemoryRegistryStore;

  const startEdges = async () => {
    store = new MemoryRegistryStore();
    // Drains and lifetimes within the test's time: sweep often, close right after the reconnect frame.
    const config = { sweepIntervalMs: 20, closeGraceSeconds: 0 };
    edges.push(await startTestEdge(config, { store }), await startTestEdge(config, { store }));
    return edges as [TestEdge, TestEdge];
  };
  const client = (edge: TestEdge, deviceId: string, opts: Partial<DeviceClientOptions> = {}) => {
    const c = new DeviceClient({
      url: edges.map((e) => e.deviceUrl),
      token: () => edge.token('fo', deviceId),
      reconnect: { baseDelayMs: 50, maxDelayMs: 500 },
      ...opts,
    });
    clients.push(c);
    return c;
  };
  const push = (edge: TestEdge, deviceId: string, id: string) =>
    sender.deliver(edge.internalUrl, [{ accountId: 'fo', deviceId, message: { id, payload: { id }, ackRequired: true } }]);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(edges.splice(0).map((e) => e.stop()));
  });
  afterAll(() => sender.close());

  it('an edge that stops: the device moves to the other edge and gets its pushes there', async () => {
    const [one, two] = await startEdges();
    const device = client(one, 'tv-stop');
    const first = await device.connect();
    expect(one.edge.connectionOf('fo', 'tv-stop')?.connectionId).toBe(first.connectionId);
    const moved = waitForEvent(device, 'welcome', 10_000);
    await one.stop();
    edges.splice(0, 1);
    const second = await moved;
    expect(second.connectionId).not.toBe(first.connectionId);
    expect(two.edge.connectionOf('fo', 'tv-stop')).toBeDefined();
    const received = waitForEvent(device, 'push');
    const answer = await push(two, 'tv-stop', 'after-failover');
    expect(answer).toMatchObject({ kind: 'results', outcomes: [expect.objectContaining({ status: 'acknowledged' })] });
    expect((await received).id).toBe('after-failover');
  });

  it.each([
    ['SIGKILL', { code: 1006 }],
    // A stopped process keeps its sockets: nothing closes, the heartbeat watchdog notices the silence.
    ['SIGSTOP', { code: 1006, reason: 'heartbeat timeout' }],
  ] as const)('an edge process that gets %s: the device moves to the other edge', async (signal, ended) => {
    const [, two] = await startEdges();
    const doomed = await edgeProcess();
    try {
      const device = new DeviceClient({
        url: [doomed.deviceUrl, two.deviceUrl],
        token: () => two.token('fo', `tv-${signal}`),
        reconnect: { baseDelayMs: 50, maxDelayMs: 500 },
      });
      clients.push(device);
      await device.connect();
      const closed = waitForEvent(device, 'close', 10_000);
      const moved = waitForEvent(device, 'welcome', 10_000);
      doomed.child.kill(signal);
      expect(await closed).toMatchObject({ ...ended, willReconnect: true });
      await moved;
      expect(two.edge.connectionOf('fo', `tv-${signal}`)).toBeDefined();

      // A device starting now with the dead edge first loses one attempt on it (refused, or no
      // answer within connectTimeoutMs), then connects to the other.
      const newcomer = new DeviceClient({
        url: [doomed.deviceUrl, two.deviceUrl],
        token: () => two.token('fo', `tv-new-${signal}`),
        connectTimeoutMs: 500,
      });
      clients.push(newcomer);
      const errors: unknown[] = [];
      newcomer.on('error', (e) => void errors.push(e));
      await newcomer.connect();
      expect(errors).toEqual([expect.objectContaining({ code: 'connect_failed' })]);
      expect(two.edge.connectionOf('fo', `tv-new-${signal}`)).toBeDefined();
    } finally {
      doomed.child.kill('SIGKILL');
    }
  });

  it('an edge that drains: its devices move to the other edge, and a device connecting to it goes on at once', async () => {
    const [one, two] = await startEdges();
    const device = client(one, 'tv-drain', { random: () => 0.01 });
    await device.connect();
    const hint = waitForEvent(device, 'reconnect');
    const moved = waitForEvent(device, 'welcome', 10_000);
    const drained = one.edge.drain(100);
    expect(await hint).toMatchObject({ reason: 'drain' });
    await moved;
    await drained;
    expect(two.edge.connectionOf('fo', 'tv-drain')).toBeDefined();

    // A newcomer listing the draining edge first is refused 503 draining (Retry-After 1 s) and
    // goes to the other edge without waiting for it.
    const newcomer = client(one, 'tv-new', { random: () => 0 });
    const refused = waitForEvent(newcomer, 'error');
    const closed = waitForEvent(newcomer, 'close');
    await newcomer.connect();
    expect(await refused).toMatchObject({ code: 'draining', status: 503, retryAfterMs: 1000 });
    expect(await closed).toMatchObject({ willReconnect: true, delayMs: 0 });
    expect(two.edge.connectionOf('fo', 'tv-new')).toBeDefined();
  });
});
