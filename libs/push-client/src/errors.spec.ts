import { PushwireError } from '@pushwire/protocol';
import { PushClientError } from './errors';

describe('PushClientError', () => {
  it('is a PushwireError with its own codes, its retriable flag and its cause', () => {
    const cause = new Error('ECONNREFUSED');
    const e = new PushClientError('registry_unavailable', 'lookup failed', true, { cause });
    expect(e).toBeInstanceOf(PushwireError);
    expect(e).toMatchObject({ name: 'PushClientError', code: 'registry_unavailable', retriable: true, message: 'lookup failed' });
    expect(e.cause).toBe(cause);
    expect(new PushClientError('edge_unavailable', 'edge down', false).retriable).toBe(false);
  });
});
