import { httpError, parseRetryAfter } from './errors';

describe('httpError', () => {
  it('keeps the server code and message, and maps 401 to unauthorized', () => {
    const e = httpError(401, null, '{"error":{"code":"unauthorized","message":"token expired","retriable":false}}');
    expect(e).toMatchObject({ code: 'unauthorized', status: 401, retriable: false });
    expect(e.message).toContain('token expired');
  });

  it('reads Retry-After of a 503 even without a JSON body', () => {
    expect(httpError(503, '3', '<html>busy</html>')).toMatchObject({ code: 'overloaded', retriable: true, retryAfterMs: 3000 });
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
