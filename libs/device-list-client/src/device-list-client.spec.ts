import { serviceCallFailure as failure, StubService, unusedUrl } from '@pushwire/service-http/testing';
import { DeviceListClient } from './device-list-client';

// A stub device-list service on a real socket: each test decides the answer.
const TOKEN = 'device-list-test-token-0123456789';
const devices = [
  { deviceId: 'tv1', deviceType: 'tv', deviceName: 'Living room', connectedAt: 1_700_000_000_000 },
  { deviceId: 'phone1', deviceType: 'phone', connectedAt: 1_700_000_000_500 },
];

const stub = StubService.forTests();
let client: DeviceListClient;

beforeEach(() => {
  client = new DeviceListClient({ baseUrl: `${stub.url}/`, serviceToken: TOKEN, timeoutMs: 2000 });
});
afterEach(() => client.close());

describe('DeviceListClient', () => {
  it("GETs the account's devices with the service token, the account id one encoded segment", async () => {
    stub.answer = () => ({ status: 200, body: { accountId: 'a:1@x', devices } });
    await expect(client.list('a:1@x')).resolves.toEqual(devices);
    expect(stub.requests).toEqual([
      { method: 'GET', url: '/v1/accounts/a%3A1%40x/devices', authorization: `Bearer ${TOKEN}`, body: undefined },
    ]);
  });

  it("rejects a 4xx with the service's code, not retriable", async () => {
    stub.answer = () => ({ status: 401, body: { error: { code: 'unauthorized', message: 'bad service token', retriable: false } } });
    const e = await failure(client.list('a1'));
    expect([e.code, e.retriable, e.status]).toEqual(['unauthorized', false, 401]);
    expect(e.message).toContain('unauthorized: bad service token');
  });

  it("rejects a 5xx with the service's code, retriable, and one without an error body as invalid_response, retriable", async () => {
    stub.answer = () => ({ status: 503, body: { error: { code: 'store_unavailable', message: 'store down', retriable: true } } });
    expect(await failure(client.list('a1'))).toMatchObject({ code: 'store_unavailable', retriable: true, status: 503 });
    stub.answer = () => ({ status: 502, text: '<h1>Bad gateway</h1>' });
    expect(await failure(client.list('a1'))).toMatchObject({ code: 'invalid_response', retriable: true, status: 502 });
  });

  it('rejects a 200 that is not a device list as invalid_response, not retriable', async () => {
    stub.answer = () => ({ status: 200, body: { accountId: 'a1', devices: [{ deviceId: 'tv1' }] } });
    const e = await failure(client.list('a1'));
    expect([e.code, e.retriable]).toEqual(['invalid_response', false]);
    expect(e.message).toContain('unexpected answer: invalid device list response');
  });

  it('rejects as unreachable, retriable, when nothing answers', async () => {
    const offline = new DeviceListClient({ baseUrl: await unusedUrl(), serviceToken: TOKEN });
    try {
      expect(await failure(offline.list('a1'))).toMatchObject({ code: 'unreachable', retriable: true, status: undefined });
    } finally {
      await offline.close();
    }
  });

  it('rejects as unreachable when its signal aborts, and when the deadline passes', async () => {
    stub.answer = () => 'hang';
    const abort = new AbortController();
    const call = client.list('a1', { signal: abort.signal });
    await stub.received();
    abort.abort();
    expect(await failure(call)).toMatchObject({ code: 'unreachable', retriable: true });
    expect(await failure(client.list('a1', { timeoutMs: 50 }))).toMatchObject({ code: 'unreachable', retriable: true });
  });
});
