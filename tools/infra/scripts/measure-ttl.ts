/**
 * Measures how long DynamoDB Local takes to delete an item whose TTL has already passed.
 * Run against `npm run infra:up`: set -a; . .pushwire/infra.env; set +a; npx tsx tools/infra/scripts/measure-ttl.ts [rounds]
 */
import { CreateTableCommand, DeleteTableCommand, GetItemCommand, PutItemCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { setTimeout as delay } from 'node:timers/promises';
import { dynamoClientFromEnv } from '../src/testing';

async function main(rounds: number): Promise<void> {
  const client = dynamoClientFromEnv();
  const table = `ttl-measure-${Date.now()}`;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } }),
  );
  const delays: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const key = { pk: { S: `item-${i}` } };
      await client.send(
        new PutItemCommand({ TableName: table, Item: { ...key, expiresAt: { N: String(Math.floor(Date.now() / 1000) - 60) } } }),
      );
      const written = Date.now();
      for (;;) {
        const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
        if (!Item) break;
        if (Date.now() - written > 60_000) throw new Error('not deleted within 60 s');
        await delay(25);
      }
      delays.push(Date.now() - written);
      console.log(`round ${i + 1}: deleted after ${delays.at(-1)} ms (at ${new Date().toISOString().slice(17, 23)})`);
      await delay(Math.random() * 3000); // land at different points of the sweeper's cycle
    }
  } finally {
    await client.send(new DeleteTableCommand({ TableName: table }));
    client.destroy();
  }
  const sorted = [...delays].sort((a, b) => a - b);
  console.log(`min ${sorted[0]} ms, median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms over ${rounds} rounds`);
}

main(Number(process.argv[2] ?? 10)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
