import { PushClient, PushClientError } from './index';
import { deviceRefKey } from '@pushwire/protocol';
import { deadUrl, SERVICE_TOKEN, target } from './testing/registry-harness';
import { useTestBed } from './testing/test-bed';

const bed = useTestBed({ requestTimeoutMs: 2000 });
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

/** A device registered on an edge whose process is gone (its lease is still live). */
async function placeOnDeadEdge(deviceId: string): Promise<void> {
  const url = await deadUrl();
  await bed.h.admin.renewLease('edge-dead', url, 600);
  await bed.h.place(deviceId, { edgeId: 'edge-dead', url });
}

beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe('PushClient failures', () => {
  it('rejects with a retriable registry_unavailable when the registry cannot be reached', async () => {
    const c = new PushClient({ registryUrl: await deadUrl(), serviceToken: SERVICE_TOKEN });
    bed.own(c);
    const error = await c.send(target('tv-1'), 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushClientError);
    expect(error).toMatchObject({ code: 'registry_unavailable', retriable: true, cause: expect.any(Error) });
  });

  it('reports a refused service token as registry_unavailable that retrying will not fix', async () => {
    const c = new PushClient({ registryUrl: bed.h.registryUrl, serviceToken: 'wrong-token' });
    bed.own(c);
    await expect(c.send(target('tv-1'), 'x')).rejects.toMatchObject({ code: 'registry_unavailable', retriable: false });
  });

  it('on an unreachable edge looks up once more, then rejects with edge_unavailable', async () => {
    await placeOnDeadEdge('tv-1');
    const error = await bed
      .client()
      .send(target('tv-1'), 'x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushClientError);
    expect(error).toMatchObject({ code: 'edge_unavailable', retriable: true, message: expect.stringContaining('edge-dead') });
    expect(bed.h.registry.lookups).toHaveLength(2);
  });

  it('on a failing edge (503) finds the device on its new edge with the one fresh lookup', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    const c = bed.client();
    await c.send(target('tv-1'), 'warm the cache');
    await bed.h.place('tv-1', bed.edgeB);
    bed.edgeA.fail = { status: 503, code: 'draining' };

    expect(await c.send(target('tv-1'), 'x')).toMatchObject({ status: 'delivered', edgeId: 'edge-b', attempts: 2 });
  });

  it('does not retry an edge that refuses the service token', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    bed.edgeA.fail = { status: 401, code: 'unauthorized' };
    await expect(bed.client().send(target('tv-1'), 'x')).rejects.toMatchObject({ code: 'edge_unavailable', retriable: false });
    expect(bed.edgeA.requests).toHaveLength(1);
    expect(bed.h.registry.lookups).toHaveLength(1);
  });

  it('with a failed re-lookup after `gone` still reports what the edge said', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    bed.edgeA.connections.delete(deviceRefKey(target('tv-1')));
    const lookup = bed.h.registry.lookup;
    bed.h.registry.lookup = (devices) =>
      bed.h.registry.lookups.length ? Promise.reject(new Error('registry went away')) : lookup(devices);
    expect(await bed.client().send(target('tv-1'), 'x')).toMatchObject({ status: 'gone', attempts: 1 });
  });
});

describe('PushClient.sendMany', () => {
  it('returns one result per item, in order, turning per-item failures into results', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    await bed.h.place('tv-2', bed.edgeB);
    await placeOnDeadEdge('tv-dead');

    const results = await bed.client().sendMany([
      { target: target('tv-1'), payload: 1, options: { id: 'm-1' } },
      { target: target('nobody'), payload: 2, options: { id: 'm-2' } },
      { target: target('tv-2'), payload: 3, options: { id: 'bad id!' } },
      { target: target('tv-dead'), payload: 4, options: { id: 'm-4' } },
      { target: target('tv-2'), payload: 5, options: { id: 'm-5', ack: true } },
    ]);

    expect(results).toEqual([
      { accountId: 'acct-1', deviceId: 'tv-1', messageId: 'm-1', status: 'delivered', edgeId: 'edge-a', attempts: 1 },
      { accountId: 'acct-1', deviceId: 'nobody', messageId: 'm-2', status: 'not_connected', attempts: 0 },
      {
        accountId: 'acct-1',
        deviceId: 'tv-2',
        messageId: 'bad id!',
        status: 'rejected',
        attempts: 0,
        error: expect.stringContaining('invalid_message'),
      },
      {
        accountId: 'acct-1',
        deviceId: 'tv-dead',
        messageId: 'm-4',
        status: 'unavailable',
        attempts: 2,
        error: expect.stringContaining('edge_unavailable'),
      },
      { accountId: 'acct-1', deviceId: 'tv-2', messageId: 'm-5', status: 'acknowledged', edgeId: 'edge-b', attempts: 1 },
    ]);
    expect(bed.h.registry.lookups).toHaveLength(2); // the batch, then the dead edge's one fresh lookup
  });

  it('with the registry down answers every item `unavailable` instead of rejecting', async () => {
    const c = new PushClient({ registryUrl: await deadUrl(), serviceToken: SERVICE_TOKEN });
    bed.own(c);
    const results = await c.sendMany([
      { target: target('a'), payload: 1 },
      { target: target('b'), payload: 2 },
    ]);
    expect(results).toEqual([
      expect.objectContaining({
        accountId: 'acct-1',
        deviceId: 'a',
        status: 'unavailable',
        error: expect.stringContaining('registry_unavailable'),
      }),
      expect.objectContaining({
        accountId: 'acct-1',
        deviceId: 'b',
        status: 'unavailable',
        error: expect.stringContaining('registry_unavailable'),
      }),
    ]);
  });
});

describe('PushClient.close', () => {
  it('finishes the sends under way, then refuses new ones', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    const c = bed.client({ batchDelayMs: 1000 });
    const pending = c.send(target('tv-1'), 'x');
    await c.close(); // dispatches the pending batch at once instead of waiting for the delay
    expect(await pending).toMatchObject({ status: 'delivered' });
    await expect(c.send(target('tv-1'), 'y')).rejects.toThrow('closed');
  });

  it('leaves a registry client it was given open', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    await bed.client().close();
    expect(await bed.h.registry.lookup([target('tv-1')])).toMatchObject({ registrations: [{ accountId: 'acct-1', deviceId: 'tv-1' }] });
  });
});

describe('PushClient options', () => {
  it('refuses a configuration it cannot work with, at construction', () => {
    expect(() => new PushClient({ serviceToken: SERVICE_TOKEN })).toThrow('registryUrl');
    expect(() => new PushClient({ registry: bed.h.registry, serviceToken: '' })).toThrow('serviceToken');
    expect(() => new PushClient({ registry: bed.h.registry, serviceToken: 'x', batchMaxSize: 5000 })).toThrow('batchMaxSize');
  });
});
