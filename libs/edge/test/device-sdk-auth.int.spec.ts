import { mintDeviceToken } from '@pushwire/auth';
import { DeviceClient, type DeviceClientOptions } from '@pushwire/device-client';
import { countingBrowserWebSocket } from '@pushwire/device-client/testing';
import { startTestEdge, TEST_JWT_SECRET, type TestEdge } from '../src/testing';

// The device SDK against a real edge with tokens it refuses: whatever the transport, and although a
// browser's WebSocket hides the 401 of a refused upgrade, connect() rejects with `unauthorized`, one
// 'error' event says so, and no further attempt reaches the edge — except the one retry with a fresh
// token when the app gave a token function.

const AUDIENCE = 'pushwire-devices';
const ACCOUNT = 'sdk-auth';

/** How each transport is set up; the browser one uses its default auth (first-frame). */
const TRANSPORTS: [string, () => Partial<DeviceClientOptions>][] = [
  ['WebSocket in a browser (first-frame auth)', () => ({ WebSocket: countingBrowserWebSocket().WebSocket })],
  ['WebSocket with ws (header auth)', () => ({})],
  ['SSE (header auth)', () => ({ transport: 'sse' })],
  ['SSE as in a browser (query auth)', () => ({ transport: 'sse', auth: 'query' })],
];

/** Tokens the edge must refuse, by why. */
const BAD_TOKENS: [string, (t: TestEdge, deviceId: string) => Promise<string>][] = [
  [
    'a bad signature',
    (_t, deviceId) => mintDeviceToken({ secret: 'not-the-edge-secret-0123', accountId: ACCOUNT, deviceId, audience: AUDIENCE }),
  ],
  ['an expired token', (t, deviceId) => t.token(ACCOUNT, deviceId, { ttlSeconds: -60 })],
  [
    'a token for another audience',
    (_t, deviceId) => mintDeviceToken({ secret: TEST_JWT_SECRET, accountId: ACCOUNT, deviceId, audience: 'another-app' }),
  ],
];

describe('device SDK ↔ edge: a refused token ends in unauthorized, without a retry loop', () => {
  let t: TestEdge;
  let n = 0;
  const clients: DeviceClient[] = [];
  beforeAll(async () => {
    t = await startTestEdge({ jwtAudience: AUDIENCE });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(() => t.stop());

  const total = async (name: string) =>
    (await t.edge.metricsRegistry.getSingleMetric(name)!.get()).values.reduce((sum, v) => sum + v.value, 0);
  /** Connection attempts the edge refused for their token (and the draining/overload refusals, none here). */
  const refused = () => total('pushwire_edge_rejects_total');
  const accepted = () => total('pushwire_edge_accepts_total');

  function client(opts: Partial<DeviceClientOptions>, token: DeviceClientOptions['token']) {
    // No backoff: a client that retried a refused token would make dozens of attempts in the window below.
    const c = new DeviceClient({ url: t.deviceUrl, token, reconnect: { baseDelayMs: 0, maxDelayMs: 0 }, ...opts });
    const errors: unknown[] = [];
    c.on('error', (e) => void errors.push(e));
    clients.push(c);
    return { c, errors };
  }

  /** Nothing to wait for: the window in which a retry loop would have reached the edge again. */
  const retryWindow = () => new Promise((resolve) => setTimeout(resolve, 300));

  describe.each(TRANSPORTS)('%s', (_name, transport) => {
    it.each(BAD_TOKENS)('%s: connect() rejects with unauthorized, one error event, one attempt', async (_why, badToken) => {
      const deviceId = `bad-${++n}`;
      const before = await refused();
      const { c, errors } = client(transport(), await badToken(t, deviceId));
      await expect(c.connect()).rejects.toMatchObject({ code: 'unauthorized', retriable: false });
      expect(errors).toEqual([expect.objectContaining({ code: 'unauthorized' })]);
      expect(c.state).toBe('closed');
      await retryWindow();
      expect((await refused()) - before).toBe(1);
    });

    it('with a token function: asks it once more and connects with the fresh token', async () => {
      const deviceId = `refresh-${++n}`;
      const tokens = [await t.token(ACCOUNT, deviceId, { ttlSeconds: -60 }), await t.token(ACCOUNT, deviceId)];
      const token = jest.fn(async () => tokens.shift() ?? 'no more tokens');
      const [refusedBefore, acceptedBefore] = [await refused(), await accepted()];
      const { c } = client(transport(), token);
      expect((await c.connect()).deviceId).toBe(deviceId);
      expect(token).toHaveBeenCalledTimes(2);
      expect((await refused()) - refusedBefore).toBe(1);
      expect((await accepted()) - acceptedBefore).toBe(1);
    });

    it('with a token function whose fresh token is refused too: stops after that one retry', async () => {
      const deviceId = `still-bad-${++n}`;
      const token = jest.fn(() => t.token(ACCOUNT, deviceId, { ttlSeconds: -60 }));
      const before = await refused();
      const { c } = client(transport(), token);
      await expect(c.connect()).rejects.toMatchObject({ code: 'unauthorized' });
      await retryWindow();
      expect(token).toHaveBeenCalledTimes(2);
      expect((await refused()) - before).toBe(2);
      expect(c.state).toBe('closed');
    });
  });
});
