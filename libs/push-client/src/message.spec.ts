import { PushClientError } from './errors';
import { assertAccountId, assertTarget, buildMessage } from './message';

const clock = { now: () => 1_700_000_000_000, newId: () => 'generated-1' };

function invalid(fn: () => unknown): PushClientError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PushClientError);
    return e as PushClientError;
  }
  throw new Error('expected a PushClientError');
}

describe('buildMessage', () => {
  it('uses a generated id and the clock, and carries only the options given', () => {
    expect(buildMessage({ title: 'hi' }, undefined, clock)).toEqual({
      id: 'generated-1',
      payload: { title: 'hi' },
      createdAt: 1_700_000_000_000,
    });
  });

  it('maps ack, ttl and priority onto the message', () => {
    const m = buildMessage(1, { id: 'm-1', ack: true, ttlSeconds: 60, priority: 'high' }, clock);
    expect(m).toEqual({ id: 'm-1', payload: 1, createdAt: 1_700_000_000_000, ackRequired: true, ttlSeconds: 60, priority: 'high' });
  });

  it('rejects a bad ttl, naming the field, as a non-retriable invalid_message', () => {
    const e = invalid(() => buildMessage({}, { ttlSeconds: 0 }, clock));
    expect(e).toMatchObject({ code: 'invalid_message', retriable: false });
    expect(e.message).toContain('/ttlSeconds');
  });

  it('rejects a bad message id and a bad priority, naming the field', () => {
    expect(invalid(() => buildMessage({}, { id: 'has spaces' }, clock)).message).toContain('/id');
    expect(invalid(() => buildMessage({}, { priority: 'urgent' as never }, clock)).message).toContain('/priority');
  });

  it('rejects a bad device id or account id as invalid_message', () => {
    expect(invalid(() => assertTarget({ accountId: 'a1', deviceId: '' }))).toMatchObject({
      code: 'invalid_message',
      message: expect.stringContaining('/deviceId'),
    });
    expect(invalid(() => assertAccountId('has spaces'))).toMatchObject({
      code: 'invalid_message',
      message: expect.stringContaining('account id'),
    });
  });

  it('rejects a target that does not name its account, or is a bare device id (a JavaScript caller)', () => {
    expect(invalid(() => assertTarget({ deviceId: 'tv1' } as never)).message).toContain('/accountId');
    expect(invalid(() => assertTarget({ accountId: 'a 1', deviceId: 'tv1' })).message).toContain('/accountId');
    expect(invalid(() => assertTarget('tv1' as never))).toMatchObject({ code: 'invalid_message' });
  });

  it('rejects payloads that are not JSON values', () => {
    expect(invalid(() => buildMessage(undefined, undefined, clock)).message).toContain('/payload');
    expect(invalid(() => buildMessage({ n: 1n }, undefined, clock)).message).toContain('/payload');
  });
});
