import { deviceRefKey } from '@pushwire/protocol';
import { TestInboxClient } from '@pushwire/registry/testing';
import { DEFAULT_STORE_TTL_SECONDS, PushClient, PushClientError } from './index';
import { deadUrl, SERVICE_TOKEN, target } from './testing/registry-harness';
import { useTestBed } from './testing/test-bed';

// Direct push with store-and-forward (issue 13, item 4): `storeIfOffline` answers `stored` where a
// plain send answers `not_connected`, and closes the race with a device connecting meanwhile.

let t: number;
let inbox: TestInboxClient;
const bed = useTestBed({ now: () => t, requestTimeoutMs: 2000 });

beforeEach(() => {
  t = Date.now();
  inbox = new TestInboxClient({ now: () => t });
});

const storing = () => bed.client({ inbox });

describe('send with storeIfOffline', () => {
  it('keeps the message of an offline device in its inbox and answers `stored`, with the default TTL written into it', async () => {
    const result = await storing().send(target('tv-1'), { n: 1 }, { storeIfOffline: true, id: 'm-1' });

    expect(result).toEqual({ accountId: 'acct-1', deviceId: 'tv-1', messageId: 'm-1', status: 'stored', attempts: 0, storedAt: t });
    expect(inbox.entries(target('tv-1'))).toEqual([
      {
        target: target('tv-1'),
        message: { id: 'm-1', payload: { n: 1 }, createdAt: t, ttlSeconds: DEFAULT_STORE_TTL_SECONDS },
        enqueuedAt: t,
        expiresAt: t + DEFAULT_STORE_TTL_SECONDS * 1000,
        storedAt: t,
        source: 'direct',
        attempts: 0,
      },
    ]);
    // The first lookup, then the fresh one after storing (the device had not connected meanwhile).
    expect(bed.h.registry.lookups).toHaveLength(2);
  });

  it('without the option answers `not_connected` as before and stores nothing', async () => {
    expect(await storing().send(target('tv-1'), 'x', { ttlSeconds: 60 })).toMatchObject({ status: 'not_connected', attempts: 0 });
    expect(inbox.storeCalls).toEqual([]);
  });

  it('delivers at once, marked inboxed, to a device that connected while its message was being stored', async () => {
    inbox.afterStore = async () => {
      await bed.h.place('tv-1', bed.edgeA);
    };

    const result = await storing().send(target('tv-1'), 'hello', { storeIfOffline: true, ttlSeconds: 600, id: 'm-race' });

    expect(result).toEqual({
      accountId: 'acct-1',
      deviceId: 'tv-1',
      messageId: 'm-race',
      status: 'delivered',
      edgeId: 'edge-a',
      attempts: 1,
      storedAt: t,
    });
    expect(bed.edgeA.deliveries).toEqual([expect.objectContaining({ inboxed: true, message: expect.objectContaining({ id: 'm-race' }) })]);
    expect(inbox.entries(target('tv-1'))).toHaveLength(1); // the edge takes it out and reports the final outcome
  });

  it('stores after the fresh lookup still finds only a stale route (`gone`), and says the delivery after storing did not reach it', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    bed.edgeA.connections.delete(deviceRefKey(target('tv-1'))); // the edge no longer holds it; the registry does not know yet

    const result = await storing().send(target('tv-1'), 'x', { storeIfOffline: true, ttlSeconds: 600 });

    expect(result).toMatchObject({ status: 'stored', attempts: 2, storedAt: t });
    expect(bed.edgeA.deliveries.map((d) => d.inboxed ?? false)).toEqual([false, true]);
    expect(inbox.entries(target('tv-1'))).toHaveLength(1);
  });

  it('stores instead of rejecting when the owning edge cannot be reached, even after the fresh lookup', async () => {
    const url = await deadUrl();
    await bed.h.admin.renewLease('edge-dead', url, 600);
    await bed.h.place('tv-1', { edgeId: 'edge-dead', url });

    expect(await storing().send(target('tv-1'), 'x', { storeIfOffline: true })).toMatchObject({ status: 'stored', storedAt: t });
    expect(inbox.entries(target('tv-1'))).toHaveLength(1);
  });

  it('answers `overflow` when the inbox is full, `expired` when the TTL already ended, and delivers as usual to a connected device', async () => {
    inbox = new TestInboxClient({ now: () => t, maxMessages: 1 });
    const c = storing();
    await c.send(target('full'), 'first', { storeIfOffline: true });
    await bed.h.place('here', bed.edgeA);

    const [overflow, expired, delivered] = await c.sendMany([
      { target: target('full'), payload: 'second', options: { storeIfOffline: true } },
      { target: target('late'), payload: 'x', options: { storeIfOffline: true, ttlSeconds: 5, createdAt: t - 10_000 } },
      { target: target('here'), payload: 'y', options: { storeIfOffline: true } },
    ]);

    expect(overflow).toMatchObject({ deviceId: 'full', status: 'overflow' });
    expect(overflow.storedAt).toBeUndefined();
    expect(expired).toMatchObject({ deviceId: 'late', status: 'expired' });
    expect(delivered).toMatchObject({ deviceId: 'here', status: 'delivered', edgeId: 'edge-a' });
    expect(delivered.storedAt).toBeUndefined();
    expect(inbox.storeCalls.map((call) => call.map((e) => e.target.deviceId))).toEqual([['full'], ['full', 'late']]); // one call for the batch
  });

  it('answers a message id the inbox already had as `stored` without delivering it again', async () => {
    const c = storing();
    await c.send(target('tv-1'), 'x', { storeIfOffline: true, id: 'same' });
    inbox.afterStore = async () => {
      await bed.h.place('tv-1', bed.edgeA);
    };

    const again = await c.send(target('tv-1'), 'x', { storeIfOffline: true, id: 'same' });

    expect(again).toMatchObject({ status: 'stored', error: expect.stringContaining('already') });
    expect(bed.edgeA.deliveries).toEqual([]);
  });

  it('when the inbox cannot be reached, answers what the send found and says storing failed too', async () => {
    inbox.failing = 'unreachable';
    const c = storing();

    expect(await c.send(target('tv-1'), 'x', { storeIfOffline: true })).toMatchObject({
      status: 'not_connected',
      error: expect.stringContaining('registry unreachable'),
    });

    const url = await deadUrl();
    await bed.h.admin.renewLease('edge-dead', url, 600);
    await bed.h.place('tv-2', { edgeId: 'edge-dead', url });
    const error = await c.send(target('tv-2'), 'x', { storeIfOffline: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushClientError);
    expect(error).toMatchObject({ code: 'edge_unavailable', retriable: true, message: expect.stringContaining('inbox failed') });
  });

  it('works for sendToAccount: a listed device that is gone by now is stored', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    await bed.h.place('tv-2', bed.edgeB);
    bed.edgeB.connections.clear();

    const { results } = await storing().sendToAccount('acct-1', 'all', { storeIfOffline: true });

    expect(results.map((r) => [r.deviceId, r.status]).sort()).toEqual([
      ['tv-1', 'delivered'],
      ['tv-2', 'stored'],
    ]);
  });

  it('refuses storeIfOffline without an inbox (not_configured) and together with inboxed (invalid_message)', async () => {
    const noInbox = bed.client();
    await expect(noInbox.send(target('tv-1'), 'x', { storeIfOffline: true })).rejects.toMatchObject({
      code: 'not_configured',
      retriable: false,
    });
    await expect(storing().send(target('tv-1'), 'x', { storeIfOffline: true, inboxed: true })).rejects.toMatchObject({
      code: 'invalid_message',
    });
    const [item] = await noInbox.sendMany([{ target: target('tv-1'), payload: 'x', options: { storeIfOffline: true } }]);
    expect(item).toMatchObject({ status: 'rejected', error: expect.stringContaining('not_configured') });
  });

  it('leaves an inbox it was given open on close', async () => {
    let closed = false;
    inbox.close = async () => {
      closed = true;
    };
    const c = new PushClient({ registry: bed.h.registry, serviceToken: SERVICE_TOKEN, inbox });
    await c.close();
    expect(closed).toBe(false);
  });
});
