import type { AccountNotice, DeliveryStatus, DeviceInfo, ServerFrame } from '@pushwire/protocol';
import { DeviceListClient } from '@pushwire/device-list-client';
import { EdgeLinks } from '../links/edge-links';
import { RouteCache } from '@pushwire/registry-client';
import { MemoryRegistryStore, StoreRegistryClient } from '@pushwire/registry';
import { ManualClock } from '@pushwire/registry/testing';
import { StubService } from '@pushwire/service-http/testing';
import { silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import { Connection, Phase, Transport } from '../connection';
import { sameAccountPolicy, type D2dPolicy } from './d2d-policy';
import { D2dRouter } from './d2d-router';
import { DeviceRequests } from './device-requests';

// DeviceRequests with a real D2dRouter (local deliveries recorded), a hand-moved clock for the
// rate limit, and, for devices.list / devices.subscribe, the real DeviceListClient against a
// StubService playing the device-list service. What reaches each connection is recorded.

const TOKEN = 'device-requests-spec-service-token';
/** Sustained d2d.send per second in these tests: bursts of 2 × 5. */
const PER_SECOND = 5;

jest.setTimeout(15_000);

function connection(accountId: string, deviceId: string, over: Partial<Pick<Connection, 'phase' | 'subscribed'>> = {}): Connection {
  const c = new Connection(Transport.WebSocket, `conn-${deviceId}`, over.phase ?? Phase.Open);
  c.accountId = accountId;
  c.deviceId = deviceId;
  c.deviceType = 'tv';
  c.subscribed = over.subscribed ?? false;
  return c;
}

/** The device-list service's GET /v1/accounts/:id/devices, answering `devices` or, when `down`, 503. */
async function startDeviceList(devices: DeviceInfo[]): Promise<{ stub: StubService; state: { down: boolean } }> {
  const state = { down: false };
  const stub = await StubService.start();
  stub.answer = (req) => {
    const accountId = /^\/v1\/accounts\/([^/]+)\/devices$/.exec(req.url)?.[1];
    if (state.down || req.authorization !== `Bearer ${TOKEN}` || !accountId)
      return { status: 503, body: { error: { code: 'store_unavailable', message: 'down' } } };
    return { status: 200, body: { accountId, devices } };
  };
  return { stub, state };
}

describe('DeviceRequests', () => {
  let clock: ManualClock;
  let registryStore: MemoryRegistryStore;
  let transport: EdgeLinks;
  let connections: Connection[];
  /** Frames written, as `deviceId` → frames. */
  let sent: Map<string, ServerFrame[]>;
  let d2dOutcomes: DeliveryStatus[];
  let deliveredTo: string[];
  let deviceList: DeviceListClient | undefined;

  const framesOf = (deviceId: string) => sent.get(deviceId) ?? [];
  const requests = (policy: D2dPolicy = sameAccountPolicy) =>
    new DeviceRequests({
      deviceList,
      d2d: new D2dRouter({
        edgeId: 'edge-here',
        localConnection: (accountId, deviceId) =>
          connections.find((c) => c.accountId === accountId && c.deviceId === deviceId && c.phase !== Phase.Closed),
        deliverLocal: (d) => {
          deliveredTo.push(d.deviceId);
          return { accountId: d.accountId, deviceId: d.deviceId, messageId: d.message.id, status: 'delivered' };
        },
        registry: new StoreRegistryClient(registryStore),
        transport,
        routes: new RouteCache(30_000, 1_000, clock.now),
        policy,
        now: clock.now,
      }),
      d2dPerSecond: PER_SECOND,
      send: (c, frame) => sent.set(c.deviceId, [...framesOf(c.deviceId), frame]),
      sendError: (c, code, message, reqId) =>
        sent.set(c.deviceId, [...framesOf(c.deviceId), { type: 'error', code, message, ...(reqId ? { reqId } : {}) }]),
      connectionsOf: (accountId) => connections.filter((c) => c.accountId === accountId),
      onD2d: (status) => d2dOutcomes.push(status),
      logger: silentLogger(),
      now: clock.now,
    });

  beforeEach(() => {
    clock = new ManualClock();
    registryStore = new MemoryRegistryStore({ now: clock.now, sweepIntervalMs: 0 });
    transport = new EdgeLinks({ serviceToken: TOKEN, timeoutMs: 2_000 });
    connections = [];
    sent = new Map();
    d2dOutcomes = [];
    deliveredTo = [];
    deviceList = undefined;
  });

  afterEach(async () => {
    await transport.close();
    await deviceList?.close();
    await registryStore.close();
  });

  describe('d2d.send', () => {
    /** `n` sends from `from` to the tv; the statuses its d2d.result frames carried, in order. */
    const sendMany = (r: DeviceRequests, from: Connection, n: number): (string | undefined)[] => {
      const before = framesOf(from.deviceId).length;
      for (let i = 0; i < n; i++) r.handle(from, { type: 'd2d.send', reqId: `${from.deviceId}-${clock.now()}-${i}`, to: 'tv', payload: i });
      return framesOf(from.deviceId)
        .slice(before)
        .map((f) => (f.type === 'd2d.result' ? f.status : f.type));
    };

    it('answers rate_limited past the burst, per connection, and lets sends through again as tokens refill', async () => {
      const phone = connection('acct-1', 'phone');
      const laptop = connection('acct-1', 'laptop');
      connections.push(connection('acct-1', 'tv'), phone, laptop);
      const r = requests();

      expect(sendMany(r, phone, 2 * PER_SECOND + 2)).toEqual([...Array(2 * PER_SECOND).fill('delivered'), 'rate_limited', 'rate_limited']);
      expect(deliveredTo).toHaveLength(2 * PER_SECOND);
      // Another connection has a bucket of its own.
      expect(sendMany(r, laptop, 1)).toEqual(['delivered']);
      // 200 ms at 5/s: one more token.
      clock.advance(200);
      expect(sendMany(r, phone, 2)).toEqual(['delivered', 'rate_limited']);
      // A long pause refills to the burst, not beyond.
      clock.advance(60_000);
      expect(sendMany(r, phone, 2 * PER_SECOND + 1)).toEqual([...Array(2 * PER_SECOND).fill('delivered'), 'rate_limited']);

      expect(deliveredTo).toHaveLength(4 * PER_SECOND + 2);
      expect(d2dOutcomes.filter((s) => s === 'rate_limited')).toHaveLength(4);
      expect(framesOf('phone')[0]).toEqual({ type: 'd2d.result', reqId: expect.stringMatching(/^phone-/), status: 'delivered' });
    });

    it('answers forbidden when the policy refuses, and counts it against the burst', async () => {
      const phone = connection('acct-1', 'phone');
      connections.push(connection('acct-1', 'tv'), phone);
      const r = requests({ allows: (_from, to) => to.deviceId !== 'tv' });

      expect(sendMany(r, phone, 2 * PER_SECOND + 1)).toEqual([...Array(2 * PER_SECOND).fill('forbidden'), 'rate_limited']);
      expect(deliveredTo).toEqual([]);
      expect(framesOf('tv')).toEqual([]);
    });

    it("never reaches another account's device of the same id on this edge: not_connected, like a device that does not exist", async () => {
      const phone = connection('acct-1', 'phone');
      connections.push(connection('acct-2', 'tv'), phone);
      const r = requests();

      r.handle(phone, { type: 'd2d.send', reqId: 'r1', to: 'tv', payload: 'hijack' });
      await waitFor(() => framesOf('phone').length === 1, { what: 'the d2d result' });
      expect(framesOf('phone')).toEqual([{ type: 'd2d.result', reqId: 'r1', status: 'not_connected' }]);
      expect(deliveredTo).toEqual([]);
      expect(framesOf('tv')).toEqual([]);
    });
  });

  describe('notices', () => {
    const online = (accountId: string, deviceId: string): AccountNotice => ({
      accountId,
      frame: { type: 'device.online', device: { deviceId, deviceType: 'tv', connectedAt: 1 } },
    });
    const offline = (accountId: string, deviceId: string): AccountNotice => ({ accountId, frame: { type: 'device.offline', deviceId } });

    it('go only to subscribed, open connections of the account, never to the device the notice is about', () => {
      connections.push(
        connection('acct-1', 'tv', { subscribed: true }),
        connection('acct-1', 'phone', { subscribed: true }),
        connection('acct-1', 'tablet'),
        connection('acct-1', 'old-watch', { subscribed: true, phase: Phase.Closed }),
        connection('acct-1', 'laptop', { subscribed: true, phase: Phase.Closing }),
        connection('acct-2', 'their-tv', { subscribed: true }),
      );
      const r = requests();

      expect(r.notify(online('acct-1', 'phone'))).toBe(2);
      expect(r.notify(offline('acct-1', 'tv'))).toBe(2);
      expect(r.notify(online('acct-2', 'their-phone'))).toBe(1);

      expect(Object.fromEntries(sent)).toEqual({
        tv: [online('acct-1', 'phone').frame],
        laptop: [online('acct-1', 'phone').frame, offline('acct-1', 'tv').frame],
        phone: [offline('acct-1', 'tv').frame],
        'their-tv': [online('acct-2', 'their-phone').frame],
      });
    });

    it('reach a connection once it sent devices.subscribe, which is answered with the list', async () => {
      const devices: DeviceInfo[] = [
        { deviceId: 'tv', deviceType: 'tv', connectedAt: 5 },
        { deviceId: 'phone', deviceType: 'phone', deviceName: 'Pixel', connectedAt: 7 },
      ];
      const service = await startDeviceList(devices);
      try {
        deviceList = new DeviceListClient({ baseUrl: service.stub.url, serviceToken: TOKEN });
        const tv = connection('acct-1', 'tv');
        connections.push(tv);
        const r = requests();
        expect(r.notify(online('acct-1', 'phone'))).toBe(0);

        r.handle(tv, { type: 'devices.list', reqId: 'l1' });
        expect(tv.subscribed).toBe(false);
        r.handle(tv, { type: 'devices.subscribe', reqId: 's1' });
        expect(tv.subscribed).toBe(true); // at once, so no change during the fetch is missed
        expect(r.notify(offline('acct-1', 'phone'))).toBe(1);
        await waitFor(() => framesOf('tv').length === 3, { what: 'three frames to the tv' });

        expect(framesOf('tv')).toEqual(
          expect.arrayContaining([
            { type: 'devices.list.result', reqId: 'l1', devices },
            { type: 'devices.subscribe.result', reqId: 's1', devices },
            offline('acct-1', 'phone').frame,
          ]),
        );
        expect(framesOf('tv')[0]).toEqual(offline('acct-1', 'phone').frame);

        service.state.down = true;
        r.handle(tv, { type: 'devices.list', reqId: 'l2' });
        await waitFor(() => framesOf('tv').length === 4, { what: 'the fourth frame to the tv' });
        expect(framesOf('tv')[3]).toMatchObject({ type: 'error', code: 'store_unavailable', reqId: 'l2' });
      } finally {
        await service.stub.close();
      }
    });

    it('answers devices.subscribe with an error when the edge has no device-list service', () => {
      const tv = connection('acct-1', 'tv');
      connections.push(tv);
      requests().handle(tv, { type: 'devices.subscribe', reqId: 's1' });
      expect(framesOf('tv')).toEqual([
        { type: 'error', code: 'invalid_frame', message: expect.stringContaining('PUSHWIRE_DEVICE_LIST_URL'), reqId: 's1' },
      ]);
      expect(tv.subscribed).toBe(false);
    });
  });
});
