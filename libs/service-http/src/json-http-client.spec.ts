import { Type } from '@sinclair/typebox';
import { PushwireError, Validator } from '@pushwire/protocol';
import { JsonHttpClient } from './json-http-client';
import { ServiceCallError } from './service-call-error';
import { serviceCallFailure, StubService, unusedUrl } from './testing';
import { expectStatus } from './unexpected-answer';

// JsonHttpClient and the mapping of answers to ServiceCallErrors, against a stub on a real socket.
const TOKEN = 'http-test-token-0123456789';
const Thing = new Validator(Type.Object({ n: Type.Integer() }), 'thing');

const stub = StubService.forTests();
let http: JsonHttpClient;

beforeEach(() => {
  http = new JsonHttpClient({ serviceToken: TOKEN, timeoutMs: 2000 });
});
afterEach(() => http.close());

describe('JsonHttpClient', () => {
  it('sends JSON with the service token and returns the validated answer and its Retry-After', async () => {
    stub.answer = () => ({ status: 200, body: { n: 1 }, headers: { 'retry-after': '2' } });
    await expect(http.call('POST', `${stub.url}/v1/things`, { body: { a: 1 }, validator: Thing })).resolves.toEqual({
      status: 200,
      body: { n: 1 },
      retryAfterMs: 2000,
    });
    expect(stub.requests).toEqual([{ method: 'POST', url: '/v1/things', authorization: `Bearer ${TOKEN}`, body: { a: 1 } }]);
  });

  it('returns a non-2xx answer for the caller to judge, unvalidated', async () => {
    stub.answer = () => ({ status: 404, body: { error: { code: 'not_found', message: 'no such thing', retriable: false } } });
    const res = await http.call('GET', `${stub.url}/v1/things/1`, { validator: Thing });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'no such thing', retriable: false } });
  });

  it('rejects a 2xx body off the schema as invalid_response, not retriable', async () => {
    stub.answer = () => ({ status: 200, body: { n: 'one' } });
    const e = await serviceCallFailure(http.call('GET', `${stub.url}/v1/things/1`, { validator: Thing }));
    expect(e).toBeInstanceOf(PushwireError);
    expect([e.code, e.retriable, e.status]).toEqual(['invalid_response', false, 200]);
    expect(e.message).toContain('unexpected answer: invalid thing');
  });

  it('rejects an answer that is not JSON as invalid_response, retriable only on 5xx', async () => {
    stub.answer = () => ({ status: 502, text: '<h1>Bad gateway</h1>' });
    const proxy = await serviceCallFailure(http.call('GET', `${stub.url}/v1/things/1`));
    expect([proxy.code, proxy.retriable, proxy.status, proxy.body]).toEqual(['invalid_response', true, 502, '<h1>Bad gateway</h1>']);
    expect(proxy.message).toContain('answer 502 is not JSON');
    stub.answer = () => ({ status: 200, text: 'ok' });
    expect((await serviceCallFailure(http.call('GET', `${stub.url}/v1/things/1`))).retriable).toBe(false);
  });

  it('rejects as unreachable, retriable, when nothing listens', async () => {
    const e = await serviceCallFailure(http.call('GET', `${await unusedUrl()}/v1/things`));
    expect([e.code, e.retriable, e.status]).toEqual(['unreachable', true, undefined]);
    expect(e.cause).toBeDefined();
  });

  it('rejects as unreachable, retriable, when the answer does not come within the deadline', async () => {
    stub.answer = () => 'hang';
    const e = await serviceCallFailure(http.call('GET', `${stub.url}/v1/slow`, { timeoutMs: 100 }));
    expect([e.code, e.retriable]).toEqual(['unreachable', true]);
  });

  it('rejects as unreachable, saying so, when the call is aborted', async () => {
    stub.answer = () => 'hang';
    const abort = new AbortController();
    const call = http.call('GET', `${stub.url}/v1/slow`, { signal: abort.signal });
    await stub.received();
    abort.abort();
    const e = await serviceCallFailure(call);
    expect([e.code, e.retriable]).toEqual(['unreachable', true]);
    expect(e.message).toBe(`GET ${stub.url}/v1/slow aborted`);
    const already = await serviceCallFailure(http.call('GET', `${stub.url}/v1/things`, { signal: AbortSignal.abort() }));
    expect(already.code).toBe('unreachable');
  });
});

describe('expectStatus', () => {
  const what = 'thing GET /v1/things/1';

  it('returns the body of the expected status', () => {
    expect(expectStatus({ status: 200, body: { n: 1 } }, 200, what)).toEqual({ n: 1 });
  });

  it("carries the service's code, message and retriable flag from its error body", () => {
    const e = failureOf(() =>
      expectStatus(
        { status: 503, body: { error: { code: 'store_unavailable', message: 'dynamodb timed out', retriable: true } } },
        200,
        what,
      ),
    );
    expect([e.code, e.retriable, e.status]).toEqual(['store_unavailable', true, 503]);
    expect(e.message).toBe('thing GET /v1/things/1 answered 503: store_unavailable: dynamodb timed out');
    const denied = failureOf(() =>
      expectStatus({ status: 401, body: { error: { code: 'unauthorized', message: 'bad token', retriable: false } } }, 200, what),
    );
    expect([denied.code, denied.retriable]).toEqual(['unauthorized', false]);
  });

  it('makes an answer without an error body invalid_response, retriable on 5xx and 429 only', () => {
    expect(pick(failureOf(() => expectStatus({ status: 404, body: { something: 'else' } }, 200, what)))).toEqual([
      'invalid_response',
      false,
    ]);
    expect(pick(failureOf(() => expectStatus({ status: 500, body: undefined }, 200, what)))).toEqual(['invalid_response', true]);
    expect(pick(failureOf(() => expectStatus({ status: 429, body: undefined }, 200, what)))).toEqual(['invalid_response', true]);
    expect(pick(failureOf(() => expectStatus({ status: 200, body: {} }, 204, what)))).toEqual(['invalid_response', false]);
  });
});

const pick = (e: ServiceCallError) => [e.code, e.retriable];

function failureOf(fn: () => unknown): ServiceCallError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ServiceCallError) return e;
    throw e;
  }
  throw new Error('expected a ServiceCallError, nothing was thrown');
}
