import { testTables } from '@pushwire/dynamodb-kit/testing';
import { dynamoClientFromEnv } from '@pushwire/infra/testing';
import type { DeliveryStatus } from '@pushwire/protocol';
import { DynamoRegistryStore, ensureRegistryTables } from '@pushwire/registry';
import { listenTestRegistry } from '@pushwire/registry/testing';
import { HttpRegistryClient } from '@pushwire/registry-client';
import { waitFor } from '@pushwire/test-kit';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';
import { RawDevice } from './raw-device';
import { cuttableProxy, type CuttableProxy } from './tcp-pipe';

// Device to device across two real edges over their edge link, with a real registry (HTTP, on
// DynamoDB Local). Edge 2 is reached through a TCP proxy the test controls (its registered internal
// URL is the proxy's), so the link between the edges can be held and cut mid-flight.

const dynamo = dynamoClientFromEnv();
const tables = testTables(dynamo, 'pushwire-edge-links');
const table = tables.name('routes');
const ACCOUNT = `acct-links-${tables.run}`;

describe('edge links: d2d between two edges', () => {
  let store: DynamoRegistryStore;
  let served: Awaited<ReturnType<typeof listenTestRegistry>>;
  let registry: HttpRegistryClient;
  let proxy: CuttableProxy;
  let edge1: TestEdge;
  let edge2: TestEdge;
  let edge2Port = 0;
  const devices: RawDevice[] = [];
  let seq = 0;

  beforeAll(async () => {
    await ensureRegistryTables(dynamo, { table });
    store = new DynamoRegistryStore({ client: dynamo, table });
    served = await listenTestRegistry(store, TEST_SERVICE_TOKEN);
    registry = new HttpRegistryClient({ baseUrl: served.baseUrl, serviceToken: TEST_SERVICE_TOKEN });
    proxy = await cuttableProxy(() => new URL(`http://127.0.0.1:${edge2Port}`));
    edge2 = await startTestEdge({ internalUrl: proxy.url }, { registry });
    edge2Port = edge2.edge.internalPort;
    edge1 = await startTestEdge({}, { registry });
  }, 30_000);

  afterAll(async () => {
    for (const d of devices) d.close();
    await edge1?.stop();
    await edge2?.stop();
    await proxy?.close();
    await registry?.close();
    await served?.app.close();
    await store?.close();
  });

  /** Device `deviceId` of the test account on `t`, welcomed and routable in the registry; its connection id. */
  const connect = async (t: TestEdge, deviceId: string, deviceType = 'tv') => {
    const device = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token(ACCOUNT, deviceId, { deviceType })}`);
    devices.push(device);
    const { connectionId } = await device.next('welcome');
    await waitFor(async () => (await registry.lookup([{ accountId: ACCOUNT, deviceId }])).registrations[0]?.connectionId === connectionId, {
      what: `${deviceId} registered`,
      timeoutMs: 10_000,
    });
    return { device, connectionId };
  };
  /** Sends a d2d message from `phone` to `to`; resolves with its d2d.result status. */
  const d2d = async (phone: RawDevice, to: string, payload: unknown): Promise<DeliveryStatus> => {
    const reqId = `r${++seq}`;
    phone.send({ type: 'd2d.send', reqId, to, payload });
    const result = await phone.next('d2d.result');
    expect(result.reqId).toBe(reqId);
    return result.status;
  };

  it('relays d2d over one link to the other edge, which writes the d2d.message; the result comes back over it', async () => {
    const { device: phone } = await connect(edge1, 'phone-a', 'phone');
    const { device: tv } = await connect(edge2, 'tv-a');
    for (let i = 0; i < 5; i++) expect(await d2d(phone, 'tv-a', { n: i })).toBe('delivered');
    for (let i = 0; i < 5; i++) expect(await tv.next('d2d.message')).toMatchObject({ from: 'phone-a', payload: { n: i } });
  });

  it('fails messages in flight on a broken link as unavailable, then reaches the edge again after the backoff', async () => {
    const { device: phone } = await connect(edge1, 'phone-b', 'phone');
    const { device: tv } = await connect(edge2, 'tv-b');
    expect(await d2d(phone, 'tv-b', 'before')).toBe('delivered'); // the link is up
    expect(await tv.next('d2d.message')).toMatchObject({ payload: 'before' });

    proxy.hold(); // what edge 1 sends now stays in the proxy: in flight
    const reqIds = ['held-1', 'held-2', 'held-3'];
    for (const reqId of reqIds) phone.send({ type: 'd2d.send', reqId, to: 'tv-b', payload: reqId });
    await waitFor(() => proxy.heldBytes > 0, { what: 'the relayed messages in flight on the link' });
    proxy.cut();
    for (const reqId of reqIds) expect(await phone.next('d2d.result')).toEqual({ type: 'd2d.result', reqId, status: 'unavailable' });

    proxy.restore();
    const back = Date.now();
    let status: DeliveryStatus = 'unavailable';
    // Sends in the backoff are unavailable at once; the first after it opens the link again.
    await waitFor(async () => (status = await d2d(phone, 'tv-b', 'after')) === 'delivered', {
      what: 'the link re-established',
      timeoutMs: 5000,
    });
    expect(Date.now() - back).toBeLessThan(5000);
    // Only the message that was delivered reached the TV: the held ones were never written.
    expect(await tv.next('d2d.message')).toMatchObject({ payload: 'after' });
    expect(status).toBe('delivered');
  });

  it("fences across the link: a route naming the TV's old connection is answered gone, the new one looked up and reached", async () => {
    const { device: phone } = await connect(edge1, 'phone-c', 'phone');
    const { device: oldTv, connectionId: oldConnection } = await connect(edge2, 'tv-c');
    expect(await d2d(phone, 'tv-c', 'to the old connection')).toBe('delivered'); // edge 1 caches the route
    expect(await oldTv.next('d2d.message')).toMatchObject({ payload: 'to the old connection' });

    const { device: newTv, connectionId: newConnection } = await connect(edge2, 'tv-c'); // replaces it
    expect(newConnection).not.toBe(oldConnection);
    // Edge 1 still holds the old route: edge 2 answers gone over the link, edge 1 looks up and resends.
    expect(await d2d(phone, 'tv-c', 'to the new connection')).toBe('delivered');
    expect(await newTv.next('d2d.message')).toMatchObject({ payload: 'to the new connection' });
  });

  it('refuses a link upgrade without a valid edge service token (401), before any WebSocket exists', async () => {
    const url = `ws://127.0.0.1:${edge2.edge.internalPort}/v1/link`;
    const refused = await RawDevice.refusal(url, { authorization: 'Bearer not-the-edge-token' });
    expect(refused.status).toBe(401);
    expect(await RawDevice.refusal(url)).toMatchObject({ status: 401 });
  });
});
