import { decideAfterClose, type CloseContext } from './close-policy';
import { DeviceClientError, httpError } from './errors';

const ctx = (over: Partial<CloseContext> = {}): CloseContext => ({
  close: { code: 1006, reason: '' },
  attempt: 0,
  canRefreshToken: false,
  authRetried: false,
  reconnect: { enabled: true, baseDelayMs: 500, maxDelayMs: 30_000, maxAttempts: Infinity },
  random: () => 0.5,
  ...over,
});

describe('decideAfterClose', () => {
  it('reconnects with backoff after going away (1001) or too slow (4002)', () => {
    expect(decideAfterClose(ctx({ close: { code: 1001, reason: 'bye' }, attempt: 2 }))).toEqual({
      action: 'reconnect',
      delayMs: 1000,
      authRetry: false,
    });
    expect(decideAfterClose(ctx({ close: { code: 4002, reason: '' } }))).toMatchObject({ action: 'reconnect', delayMs: 250 });
  });

  it('follows the reconnect frame: random(0, afterMs)', () => {
    expect(decideAfterClose(ctx({ close: { code: 4000, reason: '' }, reconnectHintMs: 2000, random: () => 0.25 }))).toMatchObject({
      action: 'reconnect',
      delayMs: 500,
    });
  });

  it('after 4004 (token expired) reconnects after the hint with a token function, and stops with a fixed token', () => {
    const expired = { close: { code: 4004, reason: 'token expired' }, reconnectHintMs: 1000, random: () => 0.5 };
    expect(decideAfterClose(ctx({ ...expired, canRefreshToken: true }))).toEqual({ action: 'reconnect', delayMs: 500, authRetry: false });
    const d = decideAfterClose(ctx({ ...expired, canRefreshToken: false }));
    expect(d).toMatchObject({ action: 'stop', replaced: false });
    expect(d.action === 'stop' && d.error).toMatchObject({
      code: 'unauthorized',
      retriable: false,
      message: expect.stringMatching(/4004/),
    });
  });

  it('waits at least Retry-After after a 503', () => {
    const error = httpError(503, '2', '{"error":{"code":"overloaded","message":"busy","retriable":true}}');
    expect(decideAfterClose(ctx({ close: { code: 1006, reason: '', error }, random: () => 0 }))).toMatchObject({
      action: 'reconnect',
      delayMs: 2000,
    });
  });

  it('stops and reports replaced on 4001', () => {
    const d = decideAfterClose(ctx({ close: { code: 4001, reason: 'replaced' } }));
    expect(d).toMatchObject({ action: 'stop', replaced: true });
    expect(d.action === 'stop' && d.error.code).toBe('replaced');
  });

  it('stops on 401 and 4003 unless a fresh token can be fetched once', () => {
    const unauthorized = httpError(401, null, '');
    expect(decideAfterClose(ctx({ close: { code: 1006, reason: '', error: unauthorized } }))).toMatchObject({
      action: 'stop',
      error: { code: 'unauthorized' },
    });
    expect(decideAfterClose(ctx({ close: { code: 4003, reason: '' } }))).toMatchObject({ action: 'stop', error: { code: 'unauthorized' } });
    expect(decideAfterClose(ctx({ close: { code: 1006, reason: '', error: unauthorized }, canRefreshToken: true }))).toEqual({
      action: 'reconnect',
      delayMs: 0,
      authRetry: true,
    });
    expect(decideAfterClose(ctx({ close: { code: 4003, reason: '' }, canRefreshToken: true, authRetried: true }))).toMatchObject({
      action: 'stop',
    });
  });

  it('stops on non-retriable errors, when disabled, and after maxAttempts failures', () => {
    const bad = new DeviceClientError('invalid_options', 'nope');
    expect(decideAfterClose(ctx({ close: { code: 1006, reason: '', error: bad } }))).toMatchObject({ action: 'stop', error: bad });
    expect(decideAfterClose(ctx({ reconnect: { ...ctx().reconnect, enabled: false } }))).toMatchObject({
      action: 'stop',
      error: { code: 'connection_lost' },
    });
    expect(decideAfterClose(ctx({ attempt: 3, reconnect: { ...ctx().reconnect, maxAttempts: 3 } }))).toMatchObject({ action: 'stop' });
    expect(decideAfterClose(ctx({ attempt: 2, reconnect: { ...ctx().reconnect, maxAttempts: 3 } }))).toMatchObject({ action: 'reconnect' });
  });
});

describe('decideAfterClose with several edges', () => {
  it('counts a round over the edges as one backoff step, so failing over is quick', () => {
    const many = (attempt: number) => decideAfterClose(ctx({ attempt, edgeCount: 3, random: () => 0.999 })).action;
    expect(many(0)).toBe('reconnect');
    const delay = (attempt: number) => {
      const d = decideAfterClose(ctx({ attempt, edgeCount: 3, random: () => 0.5 }));
      return d.action === 'reconnect' ? d.delayMs : -1;
    };
    expect([delay(0), delay(1), delay(2), delay(3), delay(6)]).toEqual([250, 250, 250, 500, 1000]);
  });

  it('waits what the next edge asked (waitMs), not the Retry-After of the edge that refused', () => {
    const error = httpError(503, '5', '{"error":{"code":"draining","message":"drain","retriable":true}}');
    const refused = { close: { code: 1006, reason: '', error }, random: () => 0, edgeCount: 2 };
    expect(decideAfterClose(ctx({ ...refused, waitMs: 0 }))).toMatchObject({ action: 'reconnect', delayMs: 0 });
    expect(decideAfterClose(ctx({ ...refused, waitMs: 1200 }))).toMatchObject({ action: 'reconnect', delayMs: 1200 });
  });
});
