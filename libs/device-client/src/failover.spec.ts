import { createServer, type Server, type Socket } from 'node:net';
import { unusedUrl } from '@pushwire/service-http/testing';
import type { PushMessage } from './index';
import { nextFrame, setup, TOKENS, trackUnhandledRejections } from './spec-helpers';
import { FakeEdge, waitForEvent } from './testing';

const unhandled = trackUnhandledRejections();
const t = setup();
afterAll(() => expect(unhandled).toEqual([]));

/** A second edge for the test (the first is `t.edge`), stopped afterwards. */
let other: FakeEdge;
beforeEach(async () => {
  other = await FakeEdge.start({ tokens: { ...TOKENS } });
});
afterEach(() => other.stop());

/** Accepts TCP connections and never answers: what a stopped (SIGSTOP) or wedged edge looks like. */
async function blackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => void sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

const push = (id: string): PushMessage => ({ type: 'push', id, payload: id, priority: 'normal', sentAt: Date.now(), ackRequired: true });

describe('DeviceClient with several edges', () => {
  it('skips an edge that refuses the connection and connects to the next at once', async () => {
    const client = t.client({ url: [await unusedUrl(), other.url], random: () => 0.99 });
    const closed = waitForEvent(client, 'close');
    const welcome = await client.connect();
    expect(await closed).toMatchObject({ willReconnect: true, delayMs: expect.any(Number) });
    // One edge failed of two: the first round is not backed off (random(0, base) with base 20 ms).
    expect((await closed).delayMs).toBeLessThan(20);
    expect(other.connections.map((c) => c.connectionId)).toEqual([welcome.connectionId]);
  });

  it('moves to the other edge when its edge goes away, and back when that one goes', async () => {
    const client = t.client({ url: [t.edge.url, other.url] });
    await client.connect();
    expect(t.edge.connections).toHaveLength(1);
    const onOther = other.next('connection');
    t.edge.connections[0]!.close(1001, 'edge stopping');
    await onOther;
    const back = t.edge.next('connection');
    other.connections[0]!.close(1001, 'edge stopping');
    await back;
    expect(t.edge.connections).toHaveLength(2);
  });

  it('after a 503 with Retry-After goes to the next edge without waiting, but waits to return to the refusing one', async () => {
    t.edge.rejectNext(503, 5);
    const client = t.client({ url: [t.edge.url, other.url], random: () => 0 });
    const closes: { delayMs?: number }[] = [];
    client.on('close', (c) => void closes.push(c));
    await client.connect();
    expect(closes).toEqual([expect.objectContaining({ willReconnect: true, delayMs: 0 })]);
    other.connections[0]!.close(1001, 'bye');
    await waitForEvent(client, 'close', 1000, (c) => c.code === 1001);
    // Back to the first edge, which said 5 s about 0 s ago.
    expect(closes[1]!.delayMs).toBeGreaterThan(4000);
  });

  it('gives up on an edge that never answers after connectTimeoutMs and tries the next', async () => {
    const hole = await blackHole();
    try {
      const client = t.client({ url: [hole.url, other.url], connectTimeoutMs: 300 });
      const errors: unknown[] = [];
      client.on('error', (e) => void errors.push(e));
      await client.connect();
      expect(errors).toEqual([expect.objectContaining({ code: 'connect_failed', message: `no welcome from ${hole.url} within 300 ms` })]);
      expect(other.connections).toHaveLength(1);
    } finally {
      await hole.close();
    }
  });

  it('asks a url function before every attempt, telling it the edge that failed', async () => {
    const dead = await unusedUrl();
    const asked: unknown[] = [];
    const client = t.client({
      url: async ({ attempt, previous }) => {
        asked.push({ attempt, previous });
        return previous === dead ? other.url : dead;
      },
    });
    await client.connect();
    expect(asked).toEqual([
      { attempt: 0, previous: undefined },
      { attempt: 1, previous: dead },
    ]);
  });
});

describe('DeviceClient de-duplication with a storage', () => {
  const storage = () => {
    const data = new Map<string, string>();
    return { data, getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
  };

  it('a restarted app is not handed a push it already got, and the repeat is acked again', async () => {
    const shared = storage();
    const first = t.client({ dedupeStorage: shared });
    const got = waitForEvent(first, 'push');
    await first.connect();
    t.edge.connections[0]!.send(push('m-1'));
    await got;
    await nextFrame(t.edge, (f) => f.type === 'ack' && f.id === 'm-1');
    await first.close();

    const restarted = t.client({ dedupeStorage: shared, autoAck: false });
    const ids: string[] = [];
    restarted.on('push', (p) => void ids.push(p.id));
    await restarted.connect();
    const conn = t.edge.connections[1]!;
    const ackedAgain = nextFrame(t.edge, (f, c) => c === conn && f.type === 'ack' && f.id === 'm-1');
    conn.send(push('m-1'));
    await ackedAgain;
    const fresh = waitForEvent(restarted, 'push');
    conn.send(push('m-2'));
    await fresh;
    expect(ids).toEqual(['m-2']);
  });

  it('remembers device-to-device message ids across a restart too', async () => {
    const shared = storage();
    const first = t.client({ dedupeStorage: shared, dedupeKey: 'tv1' });
    await first.connect();
    const got = waitForEvent(first, 'd2d.message');
    t.edge.connections[0]!.send({ type: 'd2d.message', id: 'd-1', from: 'phone1', payload: 1 });
    await got;
    await first.close();
    expect([...shared.data.keys()]).toEqual(['tv1']);

    const restarted = t.client({ dedupeStorage: shared, dedupeKey: 'tv1' });
    const ids: string[] = [];
    restarted.on('d2d.message', (m) => void ids.push(m.id));
    await restarted.connect();
    const conn = t.edge.connections[1]!;
    conn.send({ type: 'd2d.message', id: 'd-1', from: 'phone1', payload: 1 });
    const next = waitForEvent(restarted, 'd2d.message');
    conn.send({ type: 'd2d.message', id: 'd-2', from: 'phone1', payload: 2 });
    await next;
    expect(ids).toEqual(['d-2']);
  });
});
