import net from 'node:net';
import { DeviceClient } from '@pushwire/device-client';
import { MemoryRegistryStore } from '@pushwire/registry';
import { waitFor } from '@pushwire/test-kit';
import { startTestEdge, type TestEdge } from '../src/testing';
import { RawDevice, upgradeAttempt } from './raw-device';
import { pipeTo } from './tcp-pipe';

/** One counter's value from /metrics, summed over the series whose labels include `label`. */
async function metric(t: TestEdge, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${t.internalUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && line.includes(label))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/**
 * What a load balancer does in front of edges: each new TCP connection goes to the next edge that is
 * ready (an edge that drains stops being ready). Devices know one URL, as in production.
 */
function roundRobinBalancer(edges: TestEdge[]): Promise<{ url: string; close(): void }> {
  let next = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const ready = edges.filter((e) => e.edge.ready());
    const target = ready[next++ % Math.max(1, ready.length)] ?? edges[0]!;
    pipeTo(client, target.edge.devicePort, '127.0.0.1', sockets);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        close: () => {
          for (const s of sockets) s.destroy();
          server.close();
        },
      }),
    ),
  );
}

describe('edge: herd control', () => {
  const clients: DeviceClient[] = [];
  const edges: TestEdge[] = [];
  const start = async (overrides: Parameters<typeof startTestEdge>[0], store?: MemoryRegistryStore) => {
    const t = await startTestEdge(overrides, store ? { store } : {});
    edges.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(edges.splice(0).map((t) => t.stop()));
  });

  it('refuses connections over the accept rate with 503 + Retry-After that grows with the herd, before authenticating them', async () => {
    const t = await start({ acceptsPerSecond: 20 });
    const token = await t.token('herd', 'herd-0');
    // 60 at once: the bucket (one second's worth) admits 20. A bad token is refused for the rate, not
    // for the token: the limit comes before any authentication work.
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        upgradeAttempt(`${t.wsUrl}/v1/connect?token=${i < 50 ? token.replace(/herd-0/, `herd-${i}`) : 'not-a-jwt'}`),
      ),
    );
    const accepted = outcomes.filter((o) => o.accepted).length;
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(accepted).toBeLessThanOrEqual(22); // plus what the bucket refilled while the test ran
    const refusals = outcomes.flatMap((o) => (o.accepted ? [] : [o.refusal]));
    for (const r of refusals) {
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('overloaded');
    }
    // Refused after k others, a device is told 1 + ⌊k / 20⌋ s: the herd comes back spread, not together.
    const retryAfters = refusals.map((r) => Number(r.headers['retry-after']));
    expect(retryAfters.filter((s) => s === 1).length).toBe(20);
    expect(retryAfters.filter((s) => s === 2).length).toBe(refusals.length - 20);
    expect(await metric(t, 'pushwire_edge_rejects_total', 'reason="overloaded"')).toBeGreaterThanOrEqual(refusals.length);
  });

  it('lets a herd of SDK devices in at the limit: every device connects, none gives up', async () => {
    const t = await start({ acceptsPerSecond: 25 });
    const herd = Array.from({ length: 60 }, (_, i) => {
      const c = new DeviceClient({
        url: t.deviceUrl,
        token: () => t.token('herd', `sdk-herd-${i}`),
        reconnect: { baseDelayMs: 200, maxDelayMs: 2000, maxAttempts: 20 },
      });
      clients.push(c);
      return c;
    });
    const started = Date.now();
    await Promise.all(herd.map((c) => c.connect()));
    const seconds = (Date.now() - started) / 1000;
    expect(t.edge.connections).toBe(60);
    // 25 at once, then 25/s: at least ~1.4 s for 60; the SDK honoured Retry-After instead of hammering.
    expect(seconds).toBeGreaterThan(1.2);
    const rejects = await metric(t, 'pushwire_edge_rejects_total', 'reason="overloaded"');
    expect(rejects).toBeGreaterThan(0);
    expect(rejects).toBeLessThan(400); // backoff, not a retry loop
  }, 30_000);

  it('drains on request: asks every device to reconnect spread over the window, and the SDK moves them all to the other edge', async () => {
    const store = new MemoryRegistryStore();
    const draining = await start({ sweepIntervalMs: 50, closeGraceSeconds: 1 }, store);
    const other = await start({ sweepIntervalMs: 50 }, store);
    const lb = await roundRobinBalancer([draining, other]);
    try {
      const devices = Array.from({ length: 40 }, (_, i) => {
        const c = new DeviceClient({
          url: lb.url,
          token: () => draining.token('drain', `drain-${i}`),
          reconnect: { baseDelayMs: 100, maxDelayMs: 1000 },
        });
        clients.push(c);
        return c;
      });
      await Promise.all(devices.map((c) => c.connect()));
      const before = draining.edge.connections;
      expect(before).toBeGreaterThan(5); // the balancer spread them over both edges
      const asked: number[] = [];
      const drainStarted = Date.now();
      for (const c of devices) c.on('reconnect', () => void asked.push(Date.now() - drainStarted));

      await draining.edge.drain(2000);

      expect(draining.edge.connections).toBe(0);
      expect(asked.length).toBe(before);
      // Spread over the 2 s window, not all at once.
      expect(Math.max(...asked) - Math.min(...asked)).toBeGreaterThan(800);
      await waitFor(() => other.edge.connections === 40, { timeoutMs: 5000, what: 'every device on the other edge' });
      expect(await metric(draining, 'pushwire_edge_reconnects_asked_total', 'reason="drain"')).toBe(before);
      expect(await metric(draining, 'pushwire_edge_draining')).toBe(1);
      // New connections to the draining edge are refused with a pointer to go elsewhere.
      const refused = await RawDevice.refusal(`${draining.wsUrl}/v1/connect?token=${await draining.token('drain', 'late')}`);
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('draining');
    } finally {
      lb.close();
    }
  }, 30_000);
});
