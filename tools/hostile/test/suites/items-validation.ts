import type { PushMessage } from '@pushwire/device-client';
import { waitForEvent } from '@pushwire/device-client/testing';
import { describeExchange, exchange, isErrorBody, jsonOf, plainRequest, requestBytes } from '../../src';
import { jsonRequest, metricSum, rawPost } from '../harness/api';
import { sdkDevice } from '../harness/devices';
import type { Hostile } from '../harness/hostile-cluster';
import { warmUp } from '../harness/warm-up';

const portOf = (url: string) => Number(new URL(url).port);

/** `status code` of a JSON answer, for comparing outcomes. */
const outcomeOf = (a: { status: number; body: unknown }) => `${a.status} ${isErrorBody(a.body) ? a.body.error.code : 'ok'}`;

/** Items 11–13 of issue 12: what the registry, edge and processor accept in bodies and paths. */
export function validationItems(hostile: () => Hostile): void {
  it('item 11: the registry refuses a lease whose edgeUrl is not an http(s) URL', async () => {
    const h = hostile();
    const lease = (edgeUrl: string) =>
      jsonRequest(`${h.cluster.registryUrl}/v1/edges/i11-edge/lease`, 'PUT', h.cluster.edgeToken, { edgeUrl, ttlSeconds: 5 }).then(
        outcomeOf,
      );
    const outcomes = {
      file: await lease('file:///etc/passwd'),
      gopher: await lease('gopher://127.0.0.1:70/_x'),
      javascript: await lease('javascript:alert(1)'),
      // The control: a plain http URL is still a lease.
      http: await lease('http://127.0.0.1:9'),
    };
    await jsonRequest(`${h.cluster.registryUrl}/v1/edges/i11-edge/lease`, 'DELETE', h.cluster.edgeToken);
    expect(outcomes).toEqual({
      file: '400 invalid_request',
      gopher: '400 invalid_request',
      javascript: '400 invalid_request',
      http: '200 ok',
    });
  });

  it('item 12: createdAt 1e308 is refused by the edge and by the processor', async () => {
    const h = hostile();
    const message = { id: 'i12-m', payload: 1, createdAt: 1e308 };
    const deliver = await jsonRequest(`${h.cluster.edges[0]!.internalUrl}/v1/deliver`, 'POST', h.cluster.serviceToken, {
      accountId: 'i12-a',
      deviceId: 'i12-nobody',
      message,
    });
    const enqueue = await jsonRequest(`${h.cluster.processorUrl}/v1/push-requests`, 'POST', h.cluster.serviceToken, {
      target: { accountId: 'i12-a', deviceId: 'i12-nobody' },
      message,
    });
    expect({ deliver: outcomeOf(deliver), enqueue: outcomeOf(enqueue) }).toEqual({
      deliver: '400 invalid_request',
      enqueue: '400 invalid_request',
    });
  });

  it('item 12: indirect push honours createdAt: a message whose TTL ran out before it was enqueued expires without a delivery attempt', async () => {
    const h = hostile();
    const edge = h.cluster.edges[0]!;
    const device = await sdkDevice(h, edge, 'i12-a', 'i12-tv');
    const received: string[] = [];
    device.on('push', (p: PushMessage) => {
      received.push(p.id);
    });
    const expiredAtEdge = async () =>
      metricSum(await (await fetch(`${edge.internalUrl}/metrics`)).text(), 'pushwire_edge_deliveries_total', (l) =>
        l.includes('status="expired"'),
      );
    const enqueue = (message: object) =>
      jsonRequest(`${h.cluster.processorUrl}/v1/push-requests`, 'POST', h.cluster.serviceToken, {
        target: { accountId: 'i12-a', deviceId: 'i12-tv' },
        message,
      });
    const delivered = async (id: string, timeoutMs = 15_000) => {
      const arrived = waitForEvent(device, 'push', timeoutMs, (p) => p.id === id);
      arrived.catch(() => undefined); // awaited below
      await enqueue({ id, payload: id });
      await arrived;
    };
    // The target's partition is being consumed once a first message arrived.
    await warmUp('a first push to i12-tv', 3, (n) => delivered(`i12-warm-${n}`, 5000));
    received.length = 0;
    const before = await expiredAtEdge();
    // Created two minutes ago with a one-minute TTL: expired before it reached Pushwire.
    const stale = await enqueue({ id: 'i12-stale', payload: 1, createdAt: Date.now() - 120_000, ttlSeconds: 60 });
    // Same target, same partition, handled after the stale one: its arrival means the stale one was decided.
    await delivered('i12-fresh');
    expect({ staleEnqueued: stale.status, received, edgeAskedToDeliverTheStaleOne: (await expiredAtEdge()) - before }).toEqual({
      staleEnqueued: 202,
      received: ['i12-fresh'],
      edgeAskedToDeliverTheStaleOne: 0,
    });
  });

  it('item 12: the processor refuses a 900 KB payload that can never fit a 64 KB frame', async () => {
    const h = hostile();
    const body = JSON.stringify({
      target: { accountId: 'i12-a', deviceId: 'i12-nobody' },
      message: { id: 'i12-big', payload: 'x'.repeat(900 * 1024) },
    });
    const result = await rawPost(portOf(h.cluster.processorUrl), '/v1/push-requests', h.cluster.serviceToken, body);
    expect(describeExchange(result)).toMatch(/^(400|413) json-error$/);
  });

  it('item 13: ids over 256 characters in a path get the JSON error body, without the path echoed back', async () => {
    const h = hostile();
    const id = 'i13'.repeat(100);
    const get = async (port: number, path: string) => {
      const request = plainRequest(port, 'GET', path, [['Authorization', `Bearer ${h.cluster.serviceToken}`]]);
      const result = await exchange(port, [requestBytes(request)], { deadlineMs: 5000 });
      const body = result.answer && jsonOf(result.answer);
      return `${describeExchange(result)}${isErrorBody(body) && body.error.message.includes(id) ? ' echoing the id' : ''}`;
    };
    const outcomes = {
      registry: await get(portOf(h.cluster.registryUrl), `/v1/accounts/i13-a/registrations/${id}`),
      deviceList: await get(portOf(h.cluster.deviceListUrl), `/v1/accounts/${id}/devices`),
    };
    const refused = expect.stringMatching(/^(400|414) json-error$/);
    expect(outcomes).toEqual({ registry: refused, deviceList: refused });
  });

  // Answering before the body is read and then closing the socket resets the connection with the
  // answer unread on some tries and not on others: every one of several tries must get the 413.
  it('item 13: a 10 MB body to the registry is answered 413 with the JSON error body, every time', async () => {
    const h = hostile();
    const body = Buffer.from(JSON.stringify({ devices: [{ accountId: 'i13-a', deviceId: 'i13-x' }], pad: 'x'.repeat(10 * 1024 * 1024) }));
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++)
      outcomes.push(describeExchange(await rawPost(portOf(h.cluster.registryUrl), '/v1/lookup', h.cluster.serviceToken, body, 10_000)));
    expect(outcomes).toEqual(Array(outcomes.length).fill('413 json-error'));
  });
}
