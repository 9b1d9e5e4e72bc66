import { deviceRefKey, type AccountNotice, type Delivery } from '@pushwire/protocol';
import { serviceCallFailure, StubService, unusedUrl } from '@pushwire/service-http/testing';
import { EdgeClient } from './edge-client';
import { FakeEdge } from './testing';

const TOKEN = 'edge-test-token';
/** Where FakeEdge keeps device `deviceId` of account a1. */
const held = (deviceId: string) => deviceRefKey({ accountId: 'a1', deviceId });
const delivery = (deviceId: string, connectionId = 'c-' + deviceId, ack = false): Delivery => ({
  accountId: 'a1',
  deviceId,
  connectionId,
  message: { id: `m-${deviceId}`, payload: { hello: deviceId }, ...(ack ? { ackRequired: true } : {}) },
});

let edge: FakeEdge;
let transport: EdgeClient;

beforeEach(async () => {
  edge = await FakeEdge.start({ edgeId: 'edge-a', serviceToken: TOKEN });
  transport = new EdgeClient({ serviceToken: TOKEN, timeoutMs: 2000 });
});
afterEach(async () => {
  await transport.close();
  await edge.close();
});

describe('EdgeClient.deliver', () => {
  it('sends one delivery in the single form and reads its status from the answer', async () => {
    edge.connections.set(held('d1'), 'c-d1');
    const answer = await transport.deliver(edge.url, [delivery('d1')]);
    expect(answer).toEqual({
      kind: 'results',
      outcomes: [{ accountId: 'a1', deviceId: 'd1', messageId: 'm-d1', status: 'delivered', edgeId: 'edge-a' }],
    });
    expect(edge.requests[0].body).toEqual(delivery('d1'));
  });

  it('maps non-2xx single answers (410 gone, 404 not_connected) to statuses, not failures', async () => {
    edge.connections.set(held('d1'), 'newer');
    expect(await transport.deliver(edge.url, [delivery('d1')])).toMatchObject({ kind: 'results', outcomes: [{ status: 'gone' }] });
    expect(await transport.deliver(edge.url, [{ accountId: 'a1', deviceId: 'd2', message: { id: 'm', payload: 1 } }])).toMatchObject({
      kind: 'results',
      outcomes: [{ status: 'not_connected' }],
    });
  });

  it('sends several deliveries in the batch form and keeps their order', async () => {
    edge.connections.set(held('d1'), 'c-d1');
    edge.connections.set(held('d3'), 'c-d3');
    const answer = await transport.deliver(edge.url, [delivery('d1'), delivery('d2'), delivery('d3')]);
    expect(answer.kind === 'results' && answer.outcomes.map((o) => `${o.deviceId}:${o.status}`)).toEqual([
      'd1:delivered',
      'd2:gone',
      'd3:delivered',
    ]);
    expect(edge.requests).toHaveLength(1);
    expect(edge.requests[0].body).toEqual({ deliveries: [delivery('d1'), delivery('d2'), delivery('d3')] });
  });

  it('returns 429 backpressure as a status with its retryAfterMs', async () => {
    edge.answer = () => ({ status: 'backpressure', retryAfterMs: 3000 });
    expect(await transport.deliver(edge.url, [delivery('d1')])).toMatchObject({
      kind: 'results',
      outcomes: [{ status: 'backpressure', retryAfterMs: 3000 }],
    });
  });

  it('takes retryAfterMs from the Retry-After header when the body has none', async () => {
    const body = { accountId: 'a1', deviceId: 'd1', messageId: 'm-d1', status: 'backpressure' };
    await withServer(429, body, { 'retry-after': '3' }, async (url) => {
      expect(await transport.deliver(url, [delivery('d1')])).toMatchObject({
        kind: 'results',
        outcomes: [{ status: 'backpressure', retryAfterMs: 3000 }],
      });
    });
  });

  it('turns a 5xx into a retriable failure', async () => {
    edge.fail = { status: 503, code: 'draining' };
    expect(await transport.deliver(edge.url, [delivery('d1'), delivery('d2')])).toMatchObject({
      kind: 'failure',
      retriable: true,
      error: { status: 503 },
    });
  });

  it('turns an unreachable edge into a retriable failure', async () => {
    expect(await transport.deliver(await unusedUrl(), [delivery('d1')])).toMatchObject({ kind: 'failure', retriable: true });
  });

  it('turns a wrong service token into a non-retriable failure', async () => {
    const wrong = new EdgeClient({ serviceToken: 'wrong', timeoutMs: 2000 });
    try {
      const answer = await wrong.deliver(edge.url, [delivery('d1')]);
      expect(answer).toMatchObject({ kind: 'failure', retriable: false, error: { status: 401 } });
      expect(answer.kind === 'failure' && answer.error.message).toContain('unauthorized');
    } finally {
      await wrong.close();
    }
  });

  it('answers every delivery `rejected` when the edge refuses the body as too large', async () => {
    edge.fail = { status: 413, code: 'payload_too_large' };
    const answer = await transport.deliver(edge.url, [delivery('d1'), delivery('d2')]);
    expect(answer).toMatchObject({
      kind: 'results',
      outcomes: [
        { deviceId: 'd1', status: 'rejected' },
        { deviceId: 'd2', status: 'rejected' },
      ],
    });
    expect(answer.kind === 'results' && answer.outcomes[0].error).toContain('payload_too_large');
  });

  it('answers every delivery `rate_limited`, with the hinted delay, when the edge rate-limits the sender', async () => {
    edge.fail = { status: 429, code: 'rate_limited', retryAfterSeconds: 2 };
    expect(await transport.deliver(edge.url, [delivery('d1')])).toMatchObject({
      kind: 'results',
      outcomes: [{ status: 'rate_limited', retryAfterMs: 2000 }],
    });
  });

  it("treats an answer about another account's device of the same id as a contract failure", async () => {
    const body = { accountId: 'evil', deviceId: 'd1', messageId: 'm-d1', status: 'delivered' };
    await withServer(200, body, {}, async (url) => {
      expect(await transport.deliver(url, [delivery('d1')])).toMatchObject({ kind: 'failure', error: { code: 'invalid_response' } });
    });
  });

  it('treats a batch answer that does not match the deliveries as a contract failure', async () => {
    await withServer(200, { results: [] }, {}, async (url) => {
      expect(await transport.deliver(url, [delivery('d1'), delivery('d2')])).toMatchObject({ kind: 'failure', retriable: false });
    });
  });

  it("gives each failure the edge's error code, or unreachable / invalid_response when it gave none", async () => {
    edge.fail = { status: 503, code: 'draining' };
    expect(await transport.deliver(edge.url, [delivery('d1')])).toMatchObject({ kind: 'failure', error: { code: 'draining' } });
    expect(await transport.deliver(await unusedUrl(), [delivery('d1')])).toMatchObject({ kind: 'failure', error: { code: 'unreachable' } });
    await withServer(200, { results: [] }, {}, async (url) => {
      expect(await transport.deliver(url, [delivery('d1'), delivery('d2')])).toMatchObject({
        kind: 'failure',
        error: { code: 'invalid_response', status: 200 },
      });
    });
  });

  it('turns an aborted delivery into a retriable unreachable failure', async () => {
    const stub = await StubService.start();
    stub.answer = () => 'hang';
    try {
      const abort = new AbortController();
      const answer = transport.deliver(stub.url, [delivery('d1')], { signal: abort.signal });
      await stub.received();
      abort.abort();
      expect(await answer).toMatchObject({ kind: 'failure', retriable: true, error: { code: 'unreachable' } });
    } finally {
      await stub.close();
    }
  });
});

describe('EdgeClient.notify', () => {
  const notice: AccountNotice = { accountId: 'a1', frame: { type: 'device.offline', deviceId: 'tv1' } };
  const stub = StubService.forTests();

  it('posts the notice to /v1/notify with the service token and resolves with how many connections got it', async () => {
    stub.answer = () => ({ status: 200, body: { notified: 2 } });
    await expect(transport.notify(`${stub.url}/`, notice)).resolves.toBe(2);
    expect(stub.requests).toEqual([{ method: 'POST', url: '/v1/notify', authorization: `Bearer ${TOKEN}`, body: notice }]);
  });

  it("rejects a refusal with the edge's code: not retriable on 4xx, retriable on 5xx", async () => {
    stub.answer = () => ({ status: 400, body: { error: { code: 'invalid_request', message: 'not a notice', retriable: false } } });
    expect(await serviceCallFailure(transport.notify(stub.url, notice))).toMatchObject({
      code: 'invalid_request',
      retriable: false,
      status: 400,
    });
    stub.answer = () => ({ status: 503, body: { error: { code: 'draining', message: 'shutting down', retriable: true } } });
    expect(await serviceCallFailure(transport.notify(stub.url, notice))).toMatchObject({ code: 'draining', retriable: true, status: 503 });
  });

  it('rejects a 200 off the contract as invalid_response, and no answer as unreachable', async () => {
    stub.answer = () => ({ status: 200, body: { notified: 'all' } });
    expect(await serviceCallFailure(transport.notify(stub.url, notice))).toMatchObject({ code: 'invalid_response', retriable: false });
    expect(await serviceCallFailure(transport.notify(await unusedUrl(), notice))).toMatchObject({ code: 'unreachable', retriable: true });
  });

  it('rejects as unreachable when its signal aborts', async () => {
    stub.answer = () => 'hang';
    const abort = new AbortController();
    const call = transport.notify(stub.url, notice, { signal: abort.signal });
    await stub.received();
    abort.abort();
    expect(await serviceCallFailure(call)).toMatchObject({ code: 'unreachable', retriable: true });
  });
});

/** A server answering every request with one fixed response. */
async function withServer(
  status: number,
  body: unknown,
  headers: Record<string, string>,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const stub = await StubService.start();
  stub.answer = () => ({ status, body, headers });
  try {
    await fn(stub.url);
  } finally {
    await stub.close();
  }
}
