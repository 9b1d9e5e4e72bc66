import { ConditionalCheckFailedException, InternalServerError, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '@pushwire/service-kit';
import { sendOrUnavailable } from './send-or-unavailable';

const answered = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

describe('sendOrUnavailable', () => {
  it('returns what the request answered', async () => {
    await expect(sendOrUnavailable('GetItem', 't1', async () => 'item')).resolves.toBe('item');
  });

  it('rethrows a failed condition as is: it is an answer, not a failure', async () => {
    const refused = new ConditionalCheckFailedException({ message: 'The conditional request failed', ...answered(400) });
    await expect(sendOrUnavailable('PutItem', 't1', () => Promise.reject(refused))).rejects.toBe(refused);
  });

  it('turns any other failure into StoreUnavailableError naming the request and table, retriable as the SDK says', async () => {
    const busy = new InternalServerError({ message: 'Internal server error', ...answered(500) });
    const e = await sendOrUnavailable('Query', 't1', () => Promise.reject(busy)).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StoreUnavailableError);
    expect(e).toMatchObject({
      message: 'dynamodb Query on table t1 failed: InternalServerError: Internal server error',
      retriable: true,
      cause: busy,
    });

    const missing = new ResourceNotFoundException({ message: 'Requested resource not found', ...answered(400) });
    await expect(sendOrUnavailable('Query', 't1', () => Promise.reject(missing))).rejects.toMatchObject({ retriable: false });
  });

  it('passes a StoreUnavailableError through without wrapping it again', async () => {
    const closed = new StoreUnavailableError('the store is closed');
    await expect(sendOrUnavailable('Query', 't1', () => Promise.reject(closed))).rejects.toBe(closed);
  });
});
