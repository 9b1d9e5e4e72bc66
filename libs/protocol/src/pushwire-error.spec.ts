import { PushwireError, isRetriable } from './pushwire-error';

describe('PushwireError', () => {
  it('takes retriable from the catalogue unless told otherwise, and keeps the cause', () => {
    const cause = new Error('socket hang up');
    const e = new PushwireError('store_unavailable', 'dynamodb timed out', { cause });
    expect([e.code, e.retriable, e.message, e.cause]).toEqual(['store_unavailable', true, 'dynamodb timed out', cause]);
    expect(new PushwireError('invalid_request', 'bad').retriable).toBe(false);
    expect(new PushwireError('invalid_request', 'bad', { retriable: true }).retriable).toBe(true);
    expect(e).toBeInstanceOf(Error);
  });

  it('treats a code outside the catalogue as not retriable by default', () => {
    expect(new PushwireError<'my_code'>('my_code', 'x').retriable).toBe(false);
  });

  it('lets subclasses name themselves', () => {
    class StoreDown extends PushwireError {
      override readonly name = 'StoreDown';
    }
    const e = new StoreDown('store_unavailable', 'down');
    expect([e.name, e instanceof PushwireError, String(e)]).toEqual(['StoreDown', true, 'StoreDown: down']);
  });
});

describe('isRetriable', () => {
  it("reads our flag, kafkajs' flag and the AWS SDK's $retryable, and says no for anything else", () => {
    expect(isRetriable(new PushwireError('internal', 'x'))).toBe(true);
    expect(isRetriable(Object.assign(new Error('broker'), { retriable: false }))).toBe(false);
    expect(isRetriable(Object.assign(new Error('throttled'), { $retryable: { throttling: true } }))).toBe(true);
    expect(isRetriable(new Error('plain'))).toBe(false);
    expect(isRetriable('string')).toBe(false);
    expect(isRetriable(undefined)).toBe(false);
  });
});
