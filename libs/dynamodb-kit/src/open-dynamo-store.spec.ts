import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { openDynamoStore } from './open-dynamo-store';

/** A store that records the client it was built on and whether it was closed. */
class RecordingStore {
  closed = false;
  constructor(readonly client: DynamoDBClient) {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

const settings = { awsRegion: 'eu-west-1', dynamodbEndpoint: 'http://127.0.0.1:1', createTables: true };

describe('openDynamoStore', () => {
  it('makes the table first, builds the store on a client for the region, and destroys the client after the store on close', async () => {
    const tablesMadeWith: DynamoDBClient[] = [];
    const opened = await openDynamoStore(
      settings,
      async (client) => {
        tablesMadeWith.push(client);
      },
      (client) => new RecordingStore(client),
    );
    expect(tablesMadeWith).toEqual([opened.store.client]);
    expect(await opened.store.client.config.region()).toBe('eu-west-1');
    const destroyed = jest.spyOn(opened.store.client, 'destroy');
    await opened.close();
    expect(opened.store.closed).toBe(true);
    expect(destroyed).toHaveBeenCalledTimes(1);
  });

  it('leaves the table alone unless told to create it', async () => {
    let asked = false;
    const opened = await openDynamoStore(
      { ...settings, createTables: false },
      async () => {
        asked = true;
      },
      (client) => new RecordingStore(client),
    );
    await opened.close();
    expect(asked).toBe(false);
  });

  it('destroys the client and rethrows when making the table fails, building no store', async () => {
    const failure = new Error('no table for you');
    let client: DynamoDBClient | undefined;
    let built = false;
    const opening = openDynamoStore(
      settings,
      async (c) => {
        client = c;
        jest.spyOn(c, 'destroy');
        throw failure;
      },
      (c) => {
        built = true;
        return new RecordingStore(c);
      },
    );
    await expect(opening).rejects.toBe(failure);
    expect(client?.destroy).toHaveBeenCalledTimes(1);
    expect(built).toBe(false);
  });
});
