import { DeviceClient, type DeviceClientOptions } from '@pushwire/device-client';
import { waitForEvent } from '@pushwire/device-client/testing';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '@pushwire/edge/testing';
import { EdgeClient } from '@pushwire/edge-client';
import { MemoryRegistryStore } from '@pushwire/registry';

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
