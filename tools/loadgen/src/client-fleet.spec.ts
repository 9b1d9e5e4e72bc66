import http from 'node:http';
import net from 'node:net';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import { startTestEdge, TEST_JWT_SECRET, TEST_SERVICE_TOKEN, type TestEdge } from '@pushwire/edge/testing';
import { waitFor } from '@pushwire/test-kit';
import { ClientFleet } from './client-fleet';
import { timestampedPayload } from './timestamp';

const portOf = (server: net.Server | http.Server) => (server.address() as net.AddressInfo).port;
const listen = <S extends net.Server>(server: S) => new Promise<S>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** POSTs one push per device (account and id) to the edge's internal port, the payload carrying its send time. */
async function pushToAll(t: TestEdge, devices: { accountId: string; deviceId: string }[]): Promise<void> {
  const deliveries = devices.map((device, i) => ({ ...device, message: { id: `m-${i}`, payload: timestampedPayload('hello') } }));
  const res = await fetch(`${t.internalUrl}/v1/deliver`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ deliveries }),
  });
  const body = (await res.json()) as { results: { status: string }[] };
  expect(body.results.filter((r) => r.status === 'delivered')).toHaveLength(devices.length);
}

/**
 * Answers the first `refusals` upgrade requests with 503 + Retry-After, then relays connections to
 * `targetPort` — an edge behind a load balancer that sheds load for a moment.
 */
async function refusingProxy(
  targetPort: number,
  refusals: number,
  retryAfterSeconds: number,
): Promise<{ server: net.Server; refused: () => number; destroy(): void }> {
  let refused = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    if (refused < refusals) {
      refused++;
      client.once('data', () =>
        client.end(
          `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${retryAfterSeconds}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        ),
      );
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await listen(server);
  return { server, refused: () => refused, destroy: () => sockets.forEach((s) => s.destroy()) };
}

describe('ClientFleet (1 process, 2 threads, real sockets)', () => {
  let fleet: ClientFleet;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    fleet = await ClientFleet.start({ processes: 1, threadsPerProcess: 2 });
  }, 30_000);
  afterAll(async () => {
    await fleet?.stop();
  });
  afterEach(async () => {
    await fleet.closeAll();
    await fleet.resetLatencies();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('connects 200 bare WebSocket clients over several source addresses, answers pings, counts timestamped messages and measures their latency', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    const sources = new Set<string>();
    const devices = new Set<string>();
    wss.on('connection', (ws, req) => {
      sources.add(req.socket.remoteAddress!);
      devices.add(new URL(req.url!, 'http://x').searchParams.get('device')!);
    });

    const result = await fleet.connect({
      protocol: 'ws',
      port: (wss.address() as net.AddressInfo).port,
      first: 0,
      count: 200,
      sourceAddresses: 8,
    });

    expect(result).toMatchObject({ connected: 200, failed: 0, failures: {} });
    expect(result.acceptsPerSecond).toBeGreaterThan(0);
    expect(result.peakAcceptsPerSecond).toBeGreaterThan(0);
    expect(sources).toEqual(new Set(Array.from({ length: 8 }, (_, k) => `127.0.0.${2 + k}`)));
    expect(devices.size).toBe(200);
    expect(devices.has('dev-0') && devices.has('dev-199')).toBe(true);

    let pongs = 0;
    for (const ws of wss.clients) {
      ws.on('pong', (data) => void (data.toString() === 'hi' && pongs++));
      ws.ping('hi');
    }
    await waitFor(() => pongs === 200, { timeoutMs: 8000, what: 'a pong for every ping, with its payload', intervalMs: 20 });
    const before = (await fleet.stats()).messages; // counted since the fleet started
    for (const ws of wss.clients) {
      ws.send(timestampedPayload('x'.repeat(100)));
      ws.send('no timestamp here');
    }
    await waitFor(async () => (await fleet.stats()).messages === before + 400, { timeoutMs: 8000, what: '400 messages', intervalMs: 20 });
    const stats = await fleet.stats();
    expect(stats).toMatchObject({ open: 200, latencySamples: 200, latencyOverflow: 0 });
    const { samples, overflow } = await fleet.latencies();
    expect(overflow).toBe(0);
    expect(samples).toHaveLength(200);
    expect(samples[0]).toBeGreaterThanOrEqual(0);
    expect(samples[199]).toBeLessThan(5000);
    expect(samples[0]).toBeLessThanOrEqual(samples[199]!); // merged and sorted

    await fleet.resetLatencies();
    expect((await fleet.latencies()).samples).toHaveLength(0);
    await fleet.closeAll();
    expect((await fleet.stats()).open).toBe(0);
    await waitFor(() => wss.clients.size === 0, { timeoutMs: 8000, what: 'the server to see every client gone', intervalMs: 20 });
  }, 20_000);

  it('speaks Socket.IO (Engine.IO v4 over WebSocket): connects 200 clients, answers pings, receives push events', async () => {
    const httpServer = http.createServer();
    const io = new SocketIoServer(httpServer, { transports: ['websocket'], pingInterval: 200, pingTimeout: 300 });
    await listen(httpServer);
    cleanups.push(() => new Promise<void>((r) => void io.close(() => r())));
    const devices = new Set<string>();
    io.on('connection', (socket) => devices.add(String(socket.handshake.query.device)));
    // Pongs each Engine.IO connection sent back (engine.io emits `heartbeat` on every pong).
    const pongs = new Map<string, number>();
    io.engine.on('connection', (conn: { id: string; on(event: 'heartbeat', listener: () => void): void }) =>
      conn.on('heartbeat', () => pongs.set(conn.id, (pongs.get(conn.id) ?? 0) + 1)),
    );

    const result = await fleet.connect({
      protocol: 'socketio',
      port: portOf(httpServer),
      first: 1000,
      count: 200,
      devicePrefix: 'sio-',
      sourceAddresses: 4,
      ratePerSecond: 2000,
    });

    expect(result).toMatchObject({ connected: 200, failed: 0 });
    expect(io.engine.clientsCount).toBe(200);
    expect(devices.has('sio-1000') && devices.has('sio-1199')).toBe(true);
    // The ramp: 200 at 2,000/s take at least ~0.1 s, and no 1 s window saw more than the rate allows.
    expect(result.seconds).toBeGreaterThan(0.08);
    expect(result.peakAcceptsPerSecond).toBeLessThanOrEqual(2000 + 2);
    // Past several ping intervals (200 ms + 300 ms timeout), every client is still there: pongs went back.
    await waitFor(() => pongs.size === 200 && [...pongs.values()].every((n) => n >= 3), { what: 'three pongs from every client' });
    expect(io.engine.clientsCount).toBe(200);
    const before = (await fleet.stats()).messages; // counted since the fleet started
    io.emit('push', timestampedPayload());
    await waitFor(async () => (await fleet.stats()).messages === before + 200, {
      timeoutMs: 8000,
      what: '200 Socket.IO events',
      intervalMs: 20,
    });
    expect((await fleet.latencies()).samples).toHaveLength(200);
  }, 20_000);

  it('connects to the Pushwire edge with minted tokens (account mapping included) and receives pushes', async () => {
    const t = await startTestEdge({ acceptsPerSecond: 0 });
    cleanups.push(() => t.stop());

    const result = await fleet.connect({
      protocol: 'pushwire',
      port: t.edge.devicePort,
      first: 0,
      count: 200,
      devicePrefix: 'pw-',
      tokens: { secret: TEST_JWT_SECRET, accountPrefix: 'acct-', devicesPerAccount: 2 },
      sourceAddresses: 5,
    });

    expect(result).toMatchObject({ connected: 200, failed: 0 });
    expect(t.edge.connections).toBe(200);
    const c3 = t.edge.connectionOf('acct-1', 'pw-3');
    expect(c3?.accountId).toBe('acct-1'); // ⌊3 / 2⌋
    const before = (await fleet.stats()).messages;
    await pushToAll(
      t,
      Array.from({ length: 200 }, (_, i) => ({ accountId: `acct-${Math.floor(i / 2)}`, deviceId: `pw-${i}` })),
    );
    await waitFor(async () => (await fleet.stats()).messages === before + 200, { timeoutMs: 8000, what: '200 pushes', intervalMs: 20 });
    const { samples } = await fleet.latencies();
    expect(samples).toHaveLength(200);
    expect(samples[199]).toBeLessThan(5000);
  }, 20_000);

  it('reports refused connects by reason: the HTTP status line of a 503, ECONNREFUSED of a closed port', async () => {
    const refusing = await listen(http.createServer());
    refusing.on('upgrade', (_req, socket: net.Socket) =>
      socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n'),
    );
    cleanups.push(() => close(refusing));
    const closed = await listen(net.createServer());
    const closedPort = portOf(closed);
    await close(closed);

    const refused = await fleet.connect({ protocol: 'ws', port: portOf(refusing), first: 0, count: 50 });
    expect(refused).toMatchObject({ connected: 0, failed: 50, failures: { 'HTTP/1.1 503 Service Unavailable': 50 } });
    const unreachable = await fleet.connect({ protocol: 'ws', port: closedPort, first: 0, count: 10 });
    expect(unreachable).toMatchObject({ connected: 0, failed: 10, failures: { ECONNREFUSED: 10 } });
    expect((await fleet.stats()).failures).toEqual({ 'HTTP/1.1 503 Service Unavailable': 50, ECONNREFUSED: 10 });
  }, 20_000);

  it('storm: on `reconnect` frames (a draining edge) the clients leave and reconnect to the alternative port within afterMs', async () => {
    const draining = await startTestEdge({ acceptsPerSecond: 0, sweepIntervalMs: 20 });
    const other = await startTestEdge({ acceptsPerSecond: 0 });
    cleanups.push(
      () => draining.stop(),
      () => other.stop(),
    );
    await fleet.connect({
      protocol: 'pushwire',
      port: draining.edge.devicePort,
      first: 0,
      count: 100,
      tokens: { secret: TEST_JWT_SECRET },
      reconnect: { alternativePorts: [other.edge.devicePort] },
    });
    expect(draining.edge.connections).toBe(100);

    const drainStarted = Date.now();
    await draining.edge.drain(300); // every device gets `reconnect {afterMs: 1000}` within 300 ms
    await waitFor(async () => (await fleet.reconnectReport()).reconnects === 100, {
      timeoutMs: 5000,
      what: '100 reconnects',
      intervalMs: 20,
    });

    const report = await fleet.reconnectReport();
    expect(report).toMatchObject({ reconnects: 100, reconnectFrames: 100, serverCloses: 0, http503: 0, gaveUp: 0, pending: 0 });
    expect(other.edge.connections).toBe(100);
    expect(draining.edge.connections).toBe(0);
    expect(report.reconnectTimes).toHaveLength(100);
    // random(0, 1000) after frames spread over 300 ms: all back within ~1.3 s of the drain, not at once.
    expect(report.reconnectTimes[99]! - report.firstLossAt).toBeLessThan(1500);
    expect(report.reconnectTimes[99]! - report.reconnectTimes[0]!).toBeGreaterThan(100);
    expect(report.firstLossAt).toBeGreaterThanOrEqual(drainStarted - 50);
    expect((await fleet.stats()).open).toBe(100);
  }, 20_000);

  it('storm: when the edge closes connections, clients back off and reconnect through 503s (Retry-After) to the alternative port', async () => {
    const stopping = await startTestEdge({ acceptsPerSecond: 0 });
    const other = await startTestEdge({ acceptsPerSecond: 0 });
    const proxy = await refusingProxy(other.edge.devicePort, 25, 1);
    cleanups.push(
      () => other.stop(),
      () => {
        proxy.destroy();
        return close(proxy.server);
      },
    );
    await fleet.connect({
      protocol: 'pushwire',
      port: stopping.edge.devicePort,
      first: 0,
      count: 60,
      tokens: { secret: TEST_JWT_SECRET },
      reconnect: { alternativePorts: [portOf(proxy.server)], baseDelayMs: 50, maxDelayMs: 200, maxAttempts: 20 },
    });

    await stopping.stop(); // 1001 going away to every device
    await waitFor(async () => (await fleet.reconnectReport()).reconnects === 60, {
      timeoutMs: 8000,
      what: '60 reconnects',
      intervalMs: 20,
    });

    const report = await fleet.reconnectReport();
    expect(report).toMatchObject({ reconnects: 60, reconnectFrames: 0, serverCloses: 60, http503: 25, gaveUp: 0, pending: 0 });
    expect(report.failures).toEqual({ 'HTTP/1.1 503 Service Unavailable': 25 });
    expect(proxy.refused()).toBe(25);
    expect(other.edge.connections).toBe(60);
    // The first attempts came within the backoff ceiling; the 25 refused ones waited Retry-After (1 s) at least.
    const sinceLoss = Array.from(report.reconnectTimes, (t) => t - report.firstLossAt);
    expect(sinceLoss.filter((ms) => ms < 500)).toHaveLength(35);
    expect(sinceLoss.filter((ms) => ms >= 1000)).toHaveLength(25);
  }, 20_000);

  it('storm: a device whose attempts are used up gives up', async () => {
    const stopping = await startTestEdge({ acceptsPerSecond: 0 });
    const closed = await listen(net.createServer());
    const closedPort = portOf(closed);
    await close(closed);
    await fleet.connect({
      protocol: 'pushwire',
      port: stopping.edge.devicePort,
      first: 0,
      count: 20,
      tokens: { secret: TEST_JWT_SECRET },
      reconnect: { alternativePorts: [closedPort], baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 3 },
    });

    await stopping.stop();
    await waitFor(async () => (await fleet.reconnectReport()).gaveUp === 20, {
      timeoutMs: 8000,
      what: '20 devices giving up',
      intervalMs: 20,
    });

    const report = await fleet.reconnectReport();
    expect(report).toMatchObject({ reconnects: 0, serverCloses: 20, gaveUp: 20, pending: 0 });
    expect(report.failures).toEqual({ ECONNREFUSED: 60 }); // attempts 1, 2, 3 of each
  }, 20_000);

  it("refuses targets outside loopback, unknown protocols and plans over the processes' socket budget", async () => {
    await expect(fleet.connect({ protocol: 'ws', host: '10.1.2.3', port: 80, first: 0, count: 1 })).rejects.toThrow(
      /loopback addresses only.*10\.1\.2\.3/,
    );
    await expect(fleet.connect({ protocol: 'ws', host: 'example.com', port: 80, first: 0, count: 1 })).rejects.toThrow(/loopback/);
    await expect(fleet.connect({ protocol: 'mqtt' as never, port: 80, first: 0, count: 1 })).rejects.toThrow(/unknown wire protocol/);
    await expect(fleet.connect({ protocol: 'ws', port: 80, first: 0, count: 19_001 })).rejects.toThrow(
      /fleet is too small.*at least 2 processes/,
    );
    await expect(fleet.connect({ protocol: 'pushwire', port: 80, first: 0, count: 1 })).rejects.toThrow(/needs `tokens`/);
  });

  it('pushwire with topics: tokens carry the claim, devices subscribe after welcome (unavailable asked again) and open once subscribed; topic frames are timed', async () => {
    // A fake edge: welcome, then subscribe.result per subscribe — `unavailable` for the first of each
    // connection, `forbidden` for topics outside the token's claim.
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    const subscribed = new Map<string, string[]>();
    wss.on('connection', (ws, req) => {
      const token = new URL(req.url!, 'http://x').searchParams.get('token')!;
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { device_id: string; topics?: string[] };
      let refusedOnce = false;
      ws.send(JSON.stringify({ type: 'welcome', deviceId: claims.device_id }));
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; reqId: string; topic: string };
        if (frame.type !== 'subscribe') return;
        const allowed = (claims.topics ?? []).some((p) => p === 'live.*' && frame.topic.startsWith('live.'));
        const status = !allowed ? 'forbidden' : refusedOnce ? 'subscribed' : 'unavailable';
        refusedOnce = true;
        if (status === 'subscribed') subscribed.set(claims.device_id, [...(subscribed.get(claims.device_id) ?? []), frame.topic]);
        ws.send(JSON.stringify({ type: 'subscribe.result', reqId: frame.reqId, topic: frame.topic, status }));
      });
    });
    const port = (wss.address() as net.AddressInfo).port;
    const plan = {
      protocol: 'pushwire' as const,
      port,
      first: 0,
      count: 20,
      tokens: { secret: 'loadgen-test-secret-0123456789', topics: ['live.*'] },
      topics: [{ name: 'live.all' }, { name: 'live.m', spread: 3 }],
    };

    expect(await fleet.connect(plan)).toMatchObject({ connected: 20, failed: 0 });
    expect(subscribed.get('dev-4')).toEqual(expect.arrayContaining(['live.all', 'live.m1']));
    expect([...subscribed.values()].every((topics) => topics.length === 2)).toBe(true);
    const t = Date.now();
    for (const ws of wss.clients) {
      ws.send(JSON.stringify({ type: 'topic.message', topic: 'live.all', id: 'm1', offset: 1, epoch: 'e1', payload: { t }, sentAt: t }));
      ws.send(JSON.stringify({ type: 'broadcast', id: 'b1', payload: { t }, sentAt: t }));
    }
    await waitFor(async () => (await fleet.stats()).latencySamples === 40, {
      timeoutMs: 8000,
      what: '40 timed topic frames',
      intervalMs: 20,
    });
    await fleet.closeAll();

    const refused = await fleet.connect({ ...plan, first: 100, count: 5, topics: [{ name: 'other' }] });
    expect(refused).toMatchObject({ connected: 0, failed: 5, failures: { 'subscribe forbidden': 5 } });
  }, 20_000);
});
