/**
 * The real services this project promises: a Kafka 3.9 broker kafkajs can use with consumer groups,
 * and DynamoDB Local with TTL. Runs against whatever the global setup provided (started here, `up`,
 * or KAFKA_BROKERS / DYNAMODB_ENDPOINT).
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { waitFor } from '@pushwire/test-kit';
import { dynamoClientFromEnv, kafkaFromEnv } from '../src/testing';

describe('Kafka broker', () => {
  const kafka = kafkaFromEnv('infra-int-test');
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `infra-int-${randomUUID()}` });

  afterAll(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect(), consumer.disconnect()]);
  });

  it('creates a topic, and a consumer group receives what a producer sends', async () => {
    const topic = `pushwire.infra-test.${randomUUID()}`;
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })).toBe(true);
    expect(await admin.listTopics()).toContain(topic);

    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = new Promise<{ key?: string; value?: string; partition: number }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message, partition }) =>
          resolve({ key: message.key?.toString(), value: message.value?.toString(), partition }),
      });
    });

    await producer.connect();
    const [meta] = await producer.send({ topic, messages: [{ key: 'device-1', value: 'hello from pushwire' }] });
    expect(meta.errorCode).toBe(0);

    const message = await received;
    expect(message).toEqual({ key: 'device-1', value: 'hello from pushwire', partition: meta.partition });
  });
});

/** Enables TTL on `attribute` unless DescribeTimeToLive says it already is (a second enable fails). */
async function ensureTimeToLive(client: DynamoDBClient, table: string, attribute: string): Promise<'enabled' | 'already-enabled'> {
  const described = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
  const status = described.TimeToLiveDescription?.TimeToLiveStatus;
  if ((status === 'ENABLED' || status === 'ENABLING') && described.TimeToLiveDescription?.AttributeName === attribute)
    return 'already-enabled';
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: attribute } }),
  );
  return 'enabled';
}

describe('DynamoDB Local', () => {
  const client = dynamoClientFromEnv();
  const table = `infra-test-${randomUUID()}`;

  beforeAll(async () => {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });

  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: table }));
    client.destroy();
  });

  it('enables TTL once; a second enable is skipped because DescribeTimeToLive says it is on', async () => {
    const before = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(before.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');

    expect(await ensureTimeToLive(client, table, 'expiresAt')).toBe('enabled');
    const after = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(after.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });

    expect(await ensureTimeToLive(client, table, 'expiresAt')).toBe('already-enabled');
    // What the Describe-first check protects against: enabling twice is an error.
    await expect(
      client.send(
        new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } }),
      ),
    ).rejects.toThrow(/already enabled/i);
  });

  it('stores and reads back an item', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: 'device-1' }, edgeId: { S: 'edge-a' }, expiresAt: { N: String(expiresAt) } },
      }),
    );
    const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'device-1' } }, ConsistentRead: true }));
    expect(Item).toEqual({ pk: { S: 'device-1' }, edgeId: { S: 'edge-a' }, expiresAt: { N: String(expiresAt) } });
  });

  it('deletes an item whose TTL has already passed, at its next 10 s sweep', async () => {
    await ensureTimeToLive(client, table, 'expiresAt');
    const key = { pk: { S: 'expired-device' } };
    await client.send(
      new PutItemCommand({ TableName: table, Item: { ...key, expiresAt: { N: String(Math.floor(Date.now() / 1000) - 60) } } }),
    );
    const written = Date.now();

    // DynamoDB Local sweeps expired items every 10 s (measured: deletions land 10 s apart), so this
    // takes 0-10 s. There is no event to wait for, so poll with a deadline (the wait fails the test if
    // the item is still there after 20 s). Real DynamoDB takes up to about two days, which is why our
    // readers filter on expiresAt themselves.
    await waitFor(async () => !(await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item, {
      what: 'DynamoDB Local to delete the expired item',
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    process.stderr.write(`[infra] DynamoDB Local deleted the expired item after ${Date.now() - written} ms\n`);
  });
});
