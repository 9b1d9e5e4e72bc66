import { waitFor } from '@pushwire/test-kit';
import { SERVICE_TOKEN, target } from './testing/registry-harness';
import { useTestBed } from './testing/test-bed';
import { PushClient } from './push-client';

let t: number;
const bed = useTestBed({ now: () => t });

beforeEach(() => {
  t = Date.now();
});

describe('PushClient route refresh ahead of expiry (routeRefreshAheadMs)', () => {
  it('a send within the refresh window never waits for a lookup; the refreshed route serves the sends after it', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    const c = bed.client({ routeCacheTtlMs: 2000, routeRefreshAheadMs: 500 });
    await c.send(target('tv-1'), 'warm');
    expect(bed.h.registry.lookups).toHaveLength(1);

    const release = bed.h.registry.holdLookups(); // no lookup is answered until release()
    t += 1600; // inside the last 500 ms of the route
    await expect(c.send(target('tv-1'), 'in the window')).resolves.toMatchObject({ status: 'delivered', edgeId: 'edge-a', attempts: 1 });
    await expect(c.send(target('tv-1'), 'again')).resolves.toMatchObject({ status: 'delivered', edgeId: 'edge-a' });
    expect(bed.h.registry.lookups).toHaveLength(2); // one refresh for the device, however many sends

    const moved = await bed.h.place('tv-1', bed.edgeB); // what the refresh will find
    release();
    await bed.h.registry.settled();
    t += 500; // past the first route's end (t0 + 2000): only the refreshed one answers without a lookup
    await expect(c.send(target('tv-1'), 'after the refresh')).resolves.toMatchObject({
      status: 'delivered',
      edgeId: 'edge-b',
      attempts: 1,
    });
    expect(bed.edgeB.deliveries.map((d) => [d.connectionId, d.message.payload])).toEqual([[moved.connectionId, 'after the refresh']]);
    expect(bed.h.registry.lookups).toHaveLength(2);
  });

  it('refreshes the routes that came due together in one lookup', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    await bed.h.place('tv-2', bed.edgeA);
    const c = bed.client({ routeCacheTtlMs: 2000, routeRefreshAheadMs: 500 });
    await c.sendMany([
      { target: target('tv-1'), payload: 1 },
      { target: target('tv-2'), payload: 2 },
    ]);

    t += 1700;
    await c.sendMany([
      { target: target('tv-1'), payload: 3 },
      { target: target('tv-2'), payload: 4 },
    ]);
    await bed.h.registry.settled();

    expect(bed.h.registry.lookups).toEqual([
      [target('tv-1'), target('tv-2')],
      [target('tv-1'), target('tv-2')],
    ]);
  });

  it('a send on an expired route still waits for its lookup', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    const c = bed.client({ routeCacheTtlMs: 2000, routeRefreshAheadMs: 500 });
    await c.send(target('tv-1'), 'warm');

    const release = bed.h.registry.holdLookups();
    t += 2000; // the route has ended: it is never used past its TTL
    let answered = false;
    const sent = c.send(target('tv-1'), 'after the end').finally(() => (answered = true));
    await waitFor(() => bed.h.registry.lookups.length === 2, { what: 'the lookup of the expired route', timeoutMs: 5000 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    expect(bed.edgeA.deliveries).toHaveLength(1);

    release();
    await expect(sent).resolves.toMatchObject({ status: 'delivered', edgeId: 'edge-a' });
    expect(bed.edgeA.deliveries).toHaveLength(2);
  });

  it('with routeRefreshAheadMs 0 a route is never looked up before it ends', async () => {
    await bed.h.place('tv-1', bed.edgeA);
    const c = bed.client({ routeCacheTtlMs: 2000, routeRefreshAheadMs: 0 });
    await c.send(target('tv-1'), 1);
    t += 1999;
    await c.send(target('tv-1'), 2);
    await bed.h.registry.settled();
    expect(bed.h.registry.lookups).toHaveLength(1);
  });

  it('refuses a negative routeRefreshAheadMs at construction', () => {
    expect(() => new PushClient({ registry: bed.h.registry, serviceToken: SERVICE_TOKEN, routeRefreshAheadMs: -1 })).toThrow(
      /routeRefreshAheadMs must be an integer/,
    );
  });
});
