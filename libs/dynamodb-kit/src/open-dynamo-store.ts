import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from './dynamo-client';

/** A store a service's main opened, and how to let go of it and of everything it holds. */
export interface OpenedStore<S> {
  readonly store: S;
  close(): Promise<void>;
}

/** The settings every service that keeps state in DynamoDB reads, under these names, in its config. */
export interface DynamoStoreSettings {
  /** AWS region of the table. */
  readonly awsRegion: string;
  /** Endpoint override (DynamoDB Local); empty for AWS. */
  readonly dynamodbEndpoint: string;
  /** Whether to create the table (and turn its TTL on) at start when missing. */
  readonly createTables: boolean;
}

/**
 * Opens a service's store on DynamoDB: a client with the services' failure budget (credentials from
 * the SDK's default chain: AWS_ACCESS_KEY_ID…, a role, SSO), the table made first when
 * `createTables` says so, then the store `open` builds on the client. The store leaves the client
 * open on close, so the client is destroyed here: when making the table or the store fails, and on
 * close() once the store has closed.
 */
export async function openDynamoStore<S extends { close(): Promise<void> }>(
  settings: DynamoStoreSettings,
  ensureTable: (client: DynamoDBClient) => Promise<void>,
  open: (client: DynamoDBClient) => S,
): Promise<OpenedStore<S>> {
  const client = createDynamoClient({ region: settings.awsRegion, endpoint: settings.dynamodbEndpoint || undefined });
  let store: S;
  try {
    if (settings.createTables) await ensureTable(client);
    store = open(client);
  } catch (e) {
    client.destroy();
    throw e;
  }
  return {
    store,
    close: async () => {
      await store.close();
      client.destroy();
    },
  };
}
