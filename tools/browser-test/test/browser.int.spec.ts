import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { PushClient } from '@pushwire/push-client';
import { waitFor } from '@pushwire/test-kit';
import {
  bundleDeviceSdk,
  chromiumPath,
  launchChromium,
  startPlatform,
  startTestPage,
  type Platform,
  type TestPage,
  type TokenKind,
} from '../src';
import { PageSession } from './page-session';

/**
 * The device SDK as a web app runs it: bundled for the browser, loaded into real Chromium from a
 * page whose Content-Security-Policy forbids eval, against a real edge, registry and device list,
 * and driven through the page (test/page-session.ts). What the browser did on the wire is read from
 * the browser itself (its WebSocket and request events), not from the SDK.
 */
describe('device SDK in Chromium, on a page whose CSP forbids eval, against a real edge', () => {
  let platform: Platform | undefined;
  let testPage: TestPage | undefined;
  let browser: Browser | undefined;
  let sender: PushClient | undefined;
  const sessions: PageSession[] = [];
  const run = randomUUID().slice(0, 8);
  const accountOf = (label: string) => `browser-${label}-${run}`;

  const open = async () => {
    const s = await PageSession.open(browser!, testPage!.url, platform!.edge.deviceUrl, testPage!.csp);
    sessions.push(s);
    return s;
  };
  /** Until the registry routes the device to this connection (a send looks it up there). */
  const registered = (accountId: string, deviceId: string, connectionId: string) =>
    waitFor(async () => (await platform!.edge.store.lookup([{ accountId, deviceId }]))[0]?.connectionId === connectionId, {
      what: `${deviceId} registered`,
      timeoutMs: 5000,
    });
  /** Connects a device in the page with a valid token and waits until it is routable. */
  const connected = async (s: PageSession, o: Parameters<PageSession['connect']>[0]) => {
    const outcome = await s.connect(o);
    if (!outcome.ok) throw new Error(`${o.deviceId} did not connect: ${outcome.code} ${outcome.message}`);
    expect(outcome.deviceId).toBe(o.deviceId);
    await registered(o.accountId, o.deviceId, outcome.connectionId);
    return outcome;
  };

  beforeAll(async () => {
    chromiumPath(); // first: without a browser nothing else is worth starting, and the error says how to install one
    // Settled one by one, so whatever started is assigned (and stopped in afterAll) even when another part fails.
    const [sdk, ...rest] = await Promise.allSettled([
      bundleDeviceSdk(),
      startPlatform().then((p) => void (platform = p)),
      launchChromium().then((b) => void (browser = b)),
    ]);
    for (const r of [sdk, ...rest]) if (r.status === 'rejected') throw r.reason;
    if (sdk.status !== 'fulfilled') return;
    testPage = await startTestPage({ sdk: sdk.value.code, edgeOrigin: platform!.edge.deviceUrl, issue: platform!.issue });
    sender = new PushClient({ registryUrl: platform!.registryUrl, serviceToken: platform!.serviceToken });
  }, 60_000);

  afterEach(async () => {
    const open = sessions.splice(0);
    try {
      // Nothing the SDK did (or any test did in the page) tripped the policy.
      for (const s of open) expect(await s.violations()).toEqual([]);
    } finally {
      await Promise.allSettled(open.map((s) => s.close()));
    }
  });

  afterAll(async () => {
    // Each one even if another fails: no browser or port left behind.
    const results = await Promise.allSettled([sender?.close(), browser?.close(), testPage?.close()]);
    await platform?.stop();
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }, 30_000);

  it('loads with no CSP violation, on a page where eval is refused', async () => {
    // Not in `sessions`: this test trips the policy on purpose, after checking the load tripped nothing.
    const s = await PageSession.open(browser!, testPage!.url, platform!.edge.deviceUrl, testPage!.csp);
    try {
      expect(await s.violations()).toEqual([]);
      expect(testPage!.csp).not.toContain('unsafe-eval');
      // The policy is in force and the recorder hears it: eval in the page is refused and reported.
      // In a timer's task, as the harness calls the SDK: inside page.evaluate itself DevTools allows eval.
      const evaluated = await s.page.evaluate(
        () =>
          new Promise<string>((resolve) =>
            setTimeout(() => {
              try {
                resolve(String(new Function('return "eval ran"')()));
              } catch (e) {
                resolve((e as Error).name);
              }
            }, 0),
          ),
      );
      expect(evaluated).toBe('EvalError');
      await waitFor(async () => (await s.violations()).some((v) => v.blocked === 'eval'), { what: 'the eval violation recorded' });
    } finally {
      await s.close();
    }
  });

  it.each([
    ['WebSocket', 'websocket'],
    ['SSE', 'sse'],
  ] as const)('over %s: receives a push from a PushClient and acks it; the sender sees acknowledged', async (_, transport) => {
    const s = await open();
    const accountId = accountOf(transport);
    const deviceId = `tv-${transport}`;
    await connected(s, { name: 'tv', edgeUrl: platform!.edge.deviceUrl, accountId, deviceId, transport });
    const result = await sender!.send({ accountId, deviceId }, { hello: transport }, { ack: true });
    expect(result.status).toBe('acknowledged');
    expect((await s.record('tv')).pushes).toEqual([{ id: result.messageId, payload: { hello: transport } }]);
    const kinds = s.attempts.map((a) => `${a.kind} ${a.method} ${new URL(a.url).pathname}`);
    if (transport === 'sse') {
      // The stream, and the ack as a POST of frames: no WebSocket at all.
      expect(kinds).toEqual(expect.arrayContaining(['http GET /v1/events', 'http POST /v1/frames']));
      expect(kinds.filter((k) => k.startsWith('websocket'))).toEqual([]);
    } else {
      expect(kinds).toEqual(['websocket GET /v1/connect']);
    }
  });

  it('authenticates in the first frame: the token is never in the URL', async () => {
    const s = await open();
    const accountId = accountOf('first-frame');
    await connected(s, { name: 'tv', edgeUrl: platform!.edge.deviceUrl, accountId, deviceId: 'tv-ff', auth: 'first-frame' });
    const sockets = s.attempts.filter((a) => a.kind === 'websocket');
    expect(sockets).toHaveLength(1);
    const url = sockets[0]!.url;
    const first = JSON.parse(s.sentFrames.get(url)?.[0] ?? '{}') as { type?: string; token?: string };
    expect(first.type).toBe('auth');
    expect(first.token).toMatch(/^eyJ/);
    expect(url).not.toContain(first.token!);
    expect(new URL(url).searchParams.has('token')).toBe(false);
    // And the connection it opened works.
    expect((await sender!.send({ accountId, deviceId: 'tv-ff' }, 'after first-frame auth', { ack: true })).status).toBe('acknowledged');
  });

  it('device to device: a phone sends to the TV of its account, both in the page; d2d.result is delivered', async () => {
    const s = await open();
    const accountId = accountOf('d2d');
    const edgeUrl = platform!.edge.deviceUrl;
    await connected(s, { name: 'phone', edgeUrl, accountId, deviceId: 'phone', deviceType: 'phone' });
    await connected(s, { name: 'tv', edgeUrl, accountId, deviceId: 'tv', deviceType: 'tv' });
    const status = await s.page.evaluate(() => window.pushwireHarness!.sendToDevice('phone', 'tv', { play: 'movie-42' }));
    expect(status).toBe('delivered');
    const tv = await s.waitForRecord('tv', 'the d2d message at the TV', (r) => r.d2d.length > 0);
    expect(tv.d2d).toEqual([{ id: expect.any(String), from: 'phone', payload: { play: 'movie-42' } }]);
  });

  it("device list: the TV appears in the phone's subscribed list and in devices.list", async () => {
    const s = await open();
    const accountId = accountOf('devices');
    const edgeUrl = platform!.edge.deviceUrl;
    await connected(s, { name: 'phone', edgeUrl, accountId, deviceId: 'phone', deviceType: 'phone' });
    await waitFor(async () => (await s.page.evaluate(() => window.pushwireHarness!.listDevices('phone'))).includes('phone'), {
      what: 'the phone in its own device list',
    });
    expect(await s.page.evaluate(() => window.pushwireHarness!.subscribeDevices('phone'))).toEqual(['phone']);
    await connected(s, { name: 'tv', edgeUrl, accountId, deviceId: 'tv', deviceType: 'tv' });
    const phone = await s.waitForRecord('phone', 'device.online of the TV at the phone', (r) => r.online.includes('tv'));
    expect(phone.devices).toEqual([['phone']]);
    expect((await s.page.evaluate(() => window.pushwireHarness!.listDevices('phone'))).sort()).toEqual(['phone', 'tv']);
  });

  it.each([
    ['WebSocket', 'a token signed with another key', 'bad-signature', 'websocket'],
    ['WebSocket', 'an expired token', 'expired', 'websocket'],
    ['SSE', 'a token signed with another key', 'bad-signature', 'sse'],
  ] as const)(
    'over %s, with %s: connect() rejects with unauthorized and the page tries no more',
    async (_, __, tokenKind: TokenKind, transport) => {
      const s = await open();
      const outcome = await s.connect({
        name: 'intruder',
        edgeUrl: platform!.edge.deviceUrl,
        accountId: accountOf('refused'),
        deviceId: `intruder-${transport}-${tokenKind}`,
        transport,
        tokenKind,
        settleWithinMs: 8000,
      });
      // What the browser did, in the failure message: a client looping on the refusal shows as many attempts.
      const seen = () =>
        `${s.attempts.length} attempts by the page: ${s.attempts.map((a) => `${a.method} ${new URL(a.url).pathname}`).join(', ')}`;
      if (outcome.ok || outcome.code !== 'unauthorized') {
        throw new Error(`connect() should reject with code unauthorized, got ${JSON.stringify(outcome)}; ${seen()}`);
      }
      expect(s.attempts.length).toBeGreaterThan(0);
      const attempts = s.attempts.length;
      // The client retries within 200 ms (its max backoff here) if it loops: 2 s of nothing more is no loop.
      await expect(
        waitFor(() => s.attempts.length > attempts, { what: 'another connection attempt by the page', timeoutMs: 2000 }),
      ).rejects.toThrow(/timed out/);
      expect((await s.record('intruder')).state).toBe('closed');
    },
  );
});
