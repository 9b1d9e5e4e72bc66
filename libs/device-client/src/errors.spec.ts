import { PushwireError } from '@pushwire/protocol';
import { DeviceClientError, httpError, parseRetryAfter, toClientError } from './errors';

describe('DeviceClientError', () => {
  it("is a PushwireError whose retriable defaults to the SDK's catalogue or the server's, keeping the cause", () => {
    const cause = new Error('socket hang up');
    const lost = toClientError(cause, 'connection_lost', 'the connection dropped');
    expect(lost).toBeInstanceOf(PushwireError);
    expect(lost).toMatchObject({
      name: 'DeviceClientError',
      code: 'connection_lost',
      retriable: true,
      message: 'the connection dropped: socket hang up',
    });
    expect(lost.cause).toBe(cause);
    expect(new DeviceClientError('closed', 'closed').retriable).toBe(false);
    expect(new DeviceClientError('draining', 'edge drains').retriable).toBe(true);
    expect(new DeviceClientError('forbidden', 'no').retriable).toBe(false);
  });
});

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
