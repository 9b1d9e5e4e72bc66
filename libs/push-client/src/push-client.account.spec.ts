import { PushClient, PushClientError } from './index';
import { deadUrl, SERVICE_TOKEN, target } from './testing/registry-harness';
import { useTestBed } from './testing/test-bed';

let t: number;
const bed = useTestBed({ requestTimeoutMs: 2000, now: () => t });

const byDevice = <T extends { deviceId: string }>(items: T[]) => [...items].sort((a, b) => a.deviceId.localeCompare(b.deviceId));

beforeEach(() => {
  t = Date.now();
});

describe('PushClient.sendToAccount', () => {
  it('delivers one message, with one id, to every live device of the account and to no other', async () => {
    const phone = await bed.h.place('phone', bed.edgeA, 'alice');
    const tablet = await bed.h.place('tablet', bed.edgeA, 'alice');
    const tv = await bed.h.place('tv', bed.edgeB, 'alice');
    await bed.h.place('bobs-tv', bed.edgeA, 'bob');

    const { accountId, results } = await bed.client({ newId: () => 'msg-1' }).sendToAccount('alice', { title: 'hi' }, { ttlSeconds: 60 });

    expect(accountId).toBe('alice');
    expect(byDevice(results)).toEqual([
      { accountId: 'alice', deviceId: 'phone', messageId: 'msg-1', status: 'delivered', edgeId: 'edge-a', attempts: 1 },
      { accountId: 'alice', deviceId: 'tablet', messageId: 'msg-1', status: 'delivered', edgeId: 'edge-a', attempts: 1 },
      { accountId: 'alice', deviceId: 'tv', messageId: 'msg-1', status: 'delivered', edgeId: 'edge-b', attempts: 1 },
    ]);
    const message = { id: 'msg-1', payload: { title: 'hi' }, createdAt: t, ttlSeconds: 60 };
    // One request per edge, each delivery fenced by the connection the listing named.
    expect(bed.edgeA.requests).toHaveLength(1);
    expect(byDevice(bed.edgeA.deliveries)).toEqual([
      { accountId: 'alice', deviceId: 'phone', connectionId: phone.connectionId, message },
      { accountId: 'alice', deviceId: 'tablet', connectionId: tablet.connectionId, message },
    ]);
    expect(bed.edgeB.deliveries).toEqual([{ accountId: 'alice', deviceId: 'tv', connectionId: tv.connectionId, message }]);
  });

  it("costs one listing and no lookup: the listing's routes are used, and reused by later sends", async () => {
    await bed.h.place('phone', bed.edgeA, 'alice');
    await bed.h.place('tv', bed.edgeB, 'alice');
    const c = bed.client();

    await c.sendToAccount('alice', 'x');
    expect(await c.send(target('tv', 'alice'), 'y')).toMatchObject({ status: 'delivered', edgeId: 'edge-b' });

    expect(bed.h.registry.lists).toEqual(['alice']);
    expect(bed.h.registry.lookups).toEqual([]);
  });

  it('answers an empty list for an account without live devices, calling no edge', async () => {
    await bed.h.place('bobs-tv', bed.edgeA, 'bob');

    expect(await bed.client().sendToAccount('alice', 'x')).toEqual({ accountId: 'alice', results: [] });
    expect(bed.edgeA.requests.length + bed.edgeB.requests.length).toBe(0);
  });

  it('follows a device that moved after the listing: `gone`, one fresh lookup, delivered via the new edge', async () => {
    await bed.h.place('phone', bed.edgeA, 'alice');
    await bed.h.place('tv', bed.edgeA, 'alice');
    let moved: { connectionId: string } | undefined;
    bed.h.registry.afterList = async () => {
      moved = await bed.h.place('tv', bed.edgeB, 'alice');
    };

    const { results } = await bed.client().sendToAccount('alice', 'x');

    expect(byDevice(results)).toEqual([
      expect.objectContaining({ deviceId: 'phone', status: 'delivered', edgeId: 'edge-a', attempts: 1 }),
      expect.objectContaining({ deviceId: 'tv', status: 'delivered', edgeId: 'edge-b', attempts: 2 }),
    ]);
    expect(bed.edgeB.deliveries).toEqual([
      expect.objectContaining({ accountId: 'alice', deviceId: 'tv', connectionId: moved!.connectionId }),
    ]);
    expect(bed.h.registry.lookups).toEqual([[target('tv', 'alice')]]);
  });

  it('passes an ack request to every device and reports each one `acknowledged`', async () => {
    await bed.h.place('phone', bed.edgeA, 'alice');
    await bed.h.place('tv', bed.edgeB, 'alice');

    const { results } = await bed.client().sendToAccount('alice', 'x', { ack: true });

    expect(results.map((r) => r.status)).toEqual(['acknowledged', 'acknowledged']);
    expect([...bed.edgeA.deliveries, ...bed.edgeB.deliveries].every((d) => d.message.ackRequired === true)).toBe(true);
  });

  it("reports an unreachable edge as that device's `unavailable` and still delivers to the others", async () => {
    await bed.h.place('phone', bed.edgeA, 'alice');
    const url = await deadUrl();
    await bed.h.admin.renewLease('edge-dead', url, 600);
    await bed.h.place('tv', { edgeId: 'edge-dead', url }, 'alice');

    const { results } = await bed.client().sendToAccount('alice', 'x', { id: 'm-1' });

    expect(byDevice(results)).toEqual([
      expect.objectContaining({ accountId: 'alice', deviceId: 'phone', messageId: 'm-1', status: 'delivered' }),
      expect.objectContaining({
        deviceId: 'tv',
        messageId: 'm-1',
        status: 'unavailable',
        error: expect.stringContaining('edge_unavailable'),
      }),
    ]);
  });

  it('rejects an invalid message or account id with invalid_message before asking the registry', async () => {
    const c = bed.client();

    await expect(c.sendToAccount('alice', 'x', { ttlSeconds: -1 })).rejects.toMatchObject({
      code: 'invalid_message',
      message: expect.stringContaining('/ttlSeconds'),
    });
    await expect(c.sendToAccount('not an id', 'x')).rejects.toMatchObject({
      code: 'invalid_message',
      message: expect.stringContaining('account id'),
    });
    expect(bed.h.registry.lists).toEqual([]);
  });

  it('rejects with a retriable registry_unavailable when the devices cannot be listed', async () => {
    const c = new PushClient({ registryUrl: await deadUrl(), serviceToken: SERVICE_TOKEN, requestTimeoutMs: 2000 });
    bed.own(c);

    const error = await c.sendToAccount('alice', 'x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PushClientError);
    expect(error).toMatchObject({ code: 'registry_unavailable', retriable: true, message: expect.stringContaining('alice') });
  });

  it('close() waits for a fan-out whose listing is still under way', async () => {
    await bed.h.place('tv', bed.edgeA, 'alice');
    const c = bed.client();
    let reached!: () => void;
    const listing = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    bed.h.registry.afterList = () => {
      reached();
      return new Promise<void>((resolve) => (release = resolve));
    };

    const sending = c.sendToAccount('alice', 'x');
    await listing;
    const closing = c.close();
    release();

    expect((await sending).results).toEqual([expect.objectContaining({ deviceId: 'tv', status: 'delivered' })]);
    await closing;
  });
});
