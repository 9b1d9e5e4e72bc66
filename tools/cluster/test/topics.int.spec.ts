import { randomUUID } from 'node:crypto';
import { mintDeviceToken } from '@pushwire/auth';
import { DeviceClient, type TopicMessage } from '@pushwire/device-client';
import { waitForEvent } from '@pushwire/device-client/testing';
import { dynamodbEndpointFromEnv } from '@pushwire/infra/testing';
import type { PublishResult } from '@pushwire/protocol';
import { waitFor } from '@pushwire/test-kit';
import type { Cluster } from '../src';
import { startTestCluster } from './cluster-fixture';

/**
 * Topics and broadcast as users run them on a cluster (docs/architecture.md, "Topics and
 * broadcast"): devices of two accounts on two edges, the topic log on real Kafka, publishes through
 * the message processor's HTTP door, each service its own process.
 */
describe('cluster: topics and broadcast across two edges', () => {
  let cluster: Cluster;
  const clients: DeviceClient[] = [];
  const run = randomUUID().slice(0, 8);
  const topic = `live:m-${run}`;
  const edgeUrl = (n: 1 | 2) => cluster.edges[n - 1]!.deviceUrl;

  /** A device of `account` on edge `n` whose token allows `live:*`; messages of `topic` are collected in order. */
  const device = async (n: 1 | 2, account: string, deviceId: string, deviceType = 'phone') => {
    const token = await mintDeviceToken({ secret: cluster.jwtSecret, accountId: account, deviceId, deviceType, topics: ['live:*'] });
    const client = new DeviceClient({ url: edgeUrl(n), token, reconnect: { enabled: false } });
    clients.push(client);
    await client.connect();
    const seen: TopicMessage[] = [];
    const broadcasts: unknown[] = [];
    client.on('broadcast', (b) => void broadcasts.push(b.payload));
    return { client, seen, broadcasts, handler: (m: TopicMessage) => void seen.push(m) };
  };

  const post = async (path: string, body: unknown): Promise<any> => {
    const res = await fetch(`${cluster.processorUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.serviceToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    expect(res.status).toBe(200);
    return res.json();
  };
  const publish = (payload: unknown): Promise<PublishResult> => post(`/v1/topics/${encodeURIComponent(topic)}/messages`, { payload });

  beforeAll(async () => {
    cluster = await startTestCluster(dynamodbEndpointFromEnv());
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await cluster?.stop();
  });

  it('a publish reaches subscribers of two accounts on two edges; a device back on the other edge recovers what it missed; a broadcast reaches everyone', async () => {
    const p1 = await device(1, `a1-${run}`, 'p1');
    const p2 = await device(2, `a2-${run}`, 'p2', 'tv');
    await p1.client.subscribe(topic, p1.handler);
    const sub2 = await p2.client.subscribe(topic, p2.handler);

    const first = await publish({ score: '1-0' });
    await waitFor(() => p1.seen.length === 1 && p2.seen.length === 1, { what: 'the first publish at both devices', timeoutMs: 10_000 });
    for (const d of [p1, p2])
      expect(d.seen[0]).toMatchObject({ topic, id: first.id, offset: first.offset, epoch: first.epoch, payload: { score: '1-0' } });

    // p2 goes away; three publishes; it comes back on edge 1 and resubscribes from its last position.
    const position = sub2.position;
    expect(position).toEqual({ offset: first.offset, epoch: first.epoch });
    await p2.client.close();
    const missed = [];
    for (const score of ['2-0', '2-1', '3-1']) missed.push(await publish({ score }));
    const back = await device(1, `a2-${run}`, 'p2', 'tv');
    const recovery = waitForEvent(back.client, 'topic.recovery', 10_000);
    await back.client.subscribe(topic, back.handler, { since: position });
    expect(await recovery).toEqual({ topic, recovered: true });
    await waitFor(() => back.seen.length === 3, { what: 'the three missed messages', timeoutMs: 10_000 });
    expect(back.seen.map((m) => m.offset)).toEqual(missed.map((m) => m.offset));
    expect(back.seen.map((m) => m.payload)).toEqual([{ score: '2-0' }, { score: '2-1' }, { score: '3-1' }]);

    // A broadcast reaches every connected device, on both edges; one for TVs only reaches the TV.
    const p3 = await device(2, `a3-${run}`, 'p3', 'phone');
    await post('/v1/broadcasts', { payload: { x: 1 } });
    await waitFor(() => [p1, back, p3].every((d) => d.broadcasts.length === 1), { what: 'the broadcast everywhere', timeoutMs: 10_000 });
    await post('/v1/broadcasts', { payload: { tvOnly: true }, deviceTypes: ['tv'] });
    await post('/v1/broadcasts', { payload: { x: 2 } });
    // One log, read in order by every edge: once the last broadcast is everywhere, the TV one was handled too.
    await waitFor(() => [p1, back, p3].every((d) => d.broadcasts.length >= 2), {
      what: 'the last broadcast everywhere',
      timeoutMs: 10_000,
    });
    expect(back.broadcasts).toEqual([{ x: 1 }, { tvOnly: true }, { x: 2 }]);
    expect(p1.broadcasts).toEqual([{ x: 1 }, { x: 2 }]);
    expect(p3.broadcasts).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it('a subscription outside the token’s topics is forbidden', async () => {
    const d = await device(2, `a4-${run}`, 'p4');
    await expect(d.client.subscribe(`news-${run}`, d.handler)).rejects.toMatchObject({ code: 'forbidden' });
  });
});
