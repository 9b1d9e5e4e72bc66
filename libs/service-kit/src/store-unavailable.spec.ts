import {
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ReplicatedWriteConflictException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { PushwireError } from '@pushwire/protocol';
import { StubService, unusedUrl } from '@pushwire/service-http/testing';
import { dynamoUnavailable, StoreUnavailableError } from './store-unavailable';

const answered = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, attempts: 3 } });

/** A DynamoDB endpoint that answers every request with `status` and an error body of type `type`. */
async function dynamoAnswering(status: number, type: string): Promise<StubService> {
  const stub = await StubService.start();
  stub.answer = () => ({
    status,
    text: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `${type} from the test` }),
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'r1' },
  });
  return stub;
}

/** What a real DynamoDB client's GetItem against `endpoint` is rejected with, translated. */
async function getItemFailure(endpoint: string): Promise<StoreUnavailableError> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'pushwire', secretAccessKey: 'pushwire' },
  });
  try {
    await client.send(new GetItemCommand({ TableName: 't1', Key: { pk: { S: 'k' } } }));
    throw new Error('GetItem unexpectedly succeeded');
  } catch (e) {
    return dynamoUnavailable('GetItem', 't1', e);
  } finally {
    client.destroy();
  }
}

describe('StoreUnavailableError', () => {
  it('is a PushwireError with code store_unavailable, retriable unless told otherwise', () => {
    const e = new StoreUnavailableError('the store is closed');
    expect(e).toBeInstanceOf(PushwireError);
    expect([e.name, e.code, e.retriable, e.message]).toEqual(['StoreUnavailableError', 'store_unavailable', true, 'the store is closed']);
    expect(new StoreUnavailableError('no table', { retriable: false }).retriable).toBe(false);
  });
});

describe('dynamoUnavailable', () => {
  it('takes throttling, a 5xx and the SDK’s $retryable as retriable, keeping the SDK error as cause', () => {
    const throttled = new ProvisionedThroughputExceededException({
      message: 'The level of configured provisioned throughput was exceeded',
      ...answered(400),
    });
    const e = dynamoUnavailable('Query', 'registry', throttled);
    expect(e).toBeInstanceOf(StoreUnavailableError);
    expect(e.message).toBe(
      'dynamodb Query on table registry failed: ProvisionedThroughputExceededException: The level of configured provisioned throughput was exceeded',
    );
    expect([e.retriable, e.cause]).toEqual([true, throttled]);

    expect(
      dynamoUnavailable('Query', 'registry', new InternalServerError({ message: 'Internal server error', ...answered(500) })).retriable,
    ).toBe(true);
    const conflict = new ReplicatedWriteConflictException({ message: 'replicated write conflict', ...answered(400) });
    expect(conflict.$retryable).toBeDefined();
    expect(dynamoUnavailable('PutItem', 'devices', conflict).retriable).toBe(true);
  });

  it('takes any other answer of the service (a 4xx) as not retriable', () => {
    const missing = new ResourceNotFoundException({ message: 'Requested resource not found', ...answered(400) });
    expect(dynamoUnavailable('GetItem', 'registry', missing).retriable).toBe(false);
  });

  it('takes no answer at all as retriable, and a bug in the caller as not', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', $metadata: { attempts: 3 } });
    expect(dynamoUnavailable('Query', 'registry', refused).retriable).toBe(true);
    expect(dynamoUnavailable('Query', 'registry', new TypeError("Cannot read properties of undefined (reading 'S')")).retriable).toBe(
      false,
    );
  });

  it('respects an error that says itself whether it is retriable', () => {
    expect(dynamoUnavailable('Query', 'registry', new PushwireError('corrupt_record', 'an item lacks its key')).retriable).toBe(false);
  });

  describe('with a real DynamoDB client', () => {
    const stubs: StubService[] = [];
    afterAll(() => Promise.all(stubs.map((s) => s.close())));

    it('translates a refused connection into a retriable failure naming the operation and the code', async () => {
      const e = await getItemFailure(await unusedUrl());
      expect(e.message).toMatch(/^dynamodb GetItem on table t1 failed: .*ECONNREFUSED/);
      expect(e.retriable).toBe(true);
    });

    it('translates the service’s 5xx and throttling answers as retriable, a refused permission as not', async () => {
      const results: [string, boolean][] = [];
      for (const [status, type] of [
        [500, 'InternalServerError'],
        [400, 'ThrottlingException'],
        [400, 'AccessDeniedException'],
        [400, 'ResourceNotFoundException'],
      ] as const) {
        const stub = await dynamoAnswering(status, type);
        stubs.push(stub);
        const e = await getItemFailure(stub.url);
        expect(e.message).toBe(`dynamodb GetItem on table t1 failed: ${type}: ${type} from the test`);
        results.push([type, e.retriable]);
      }
      expect(results).toEqual([
        ['InternalServerError', true],
        ['ThrottlingException', true],
        ['AccessDeniedException', false],
        ['ResourceNotFoundException', false],
      ]);
    });
  });
});
