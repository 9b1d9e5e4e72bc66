import { ServiceCallError } from '@pushwire/service-http';
import { mayHaveStored } from './store-ambiguity';

const socketError = (code: string) => Object.assign(new Error(code), { code });

describe('mayHaveStored', () => {
  it('is true for a store that may have reached the registry: a timeout, a connection lost mid-call, a 5xx', () => {
    expect(
      mayHaveStored(new ServiceCallError('unreachable', 'Headers Timeout Error', { cause: socketError('UND_ERR_HEADERS_TIMEOUT') })),
    ).toBe(true);
    expect(mayHaveStored(new ServiceCallError('unreachable', 'socket hang up', { cause: socketError('ECONNRESET') }))).toBe(true);
    expect(mayHaveStored(new ServiceCallError('unreachable', 'no cause known'))).toBe(true);
    expect(mayHaveStored(new ServiceCallError('store_unavailable', 'DynamoDB timed out', { status: 503 }))).toBe(true);
  });

  it('is false when the registry refused it (4xx) or the connection never opened', () => {
    expect(mayHaveStored(new ServiceCallError('invalid_request', 'bad entry', { status: 400 }))).toBe(false);
    expect(mayHaveStored(new ServiceCallError('unreachable', 'refused', { cause: socketError('ECONNREFUSED') }))).toBe(false);
    const happyEyeballs = new AggregateError([socketError('ECONNREFUSED'), socketError('EHOSTUNREACH')]);
    expect(mayHaveStored(new ServiceCallError('unreachable', 'refused', { cause: happyEyeballs }))).toBe(false);
    expect(mayHaveStored(new ServiceCallError('unreachable', 'wrapped', { cause: { cause: socketError('ENOTFOUND') } }))).toBe(false);
  });
});
