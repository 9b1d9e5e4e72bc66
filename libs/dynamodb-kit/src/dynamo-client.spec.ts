import { once } from 'node:events';
import net from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from './dynamo-client';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('createDynamoClient', () => {
  // A real endpoint that accepts connections and never answers: the SDK's defaults would wait on it
  // for minutes.
  let silent: net.Server;
  const held = new Set<net.Socket>();
  let endpoint: string;
  beforeAll(async () => {
    silent = net.createServer((socket) => held.add(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    endpoint = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    silent.close();
    await once(silent, 'close');
  });

  it('gives up on an endpoint that does not answer after 3 s per attempt instead of hanging', async () => {
    const client = createDynamoClient({ endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
    const started = Date.now();
    try {
      await expect(client.send(new ListTablesCommand({}))).rejects.toThrow(/timed? ?out/i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      client.destroy();
    }
  }, 10_000);

  it('makes 3 attempts in all unless the caller says otherwise', async () => {
    const defaults = createDynamoClient({ region: 'eu-west-1', credentials });
    const tighter = createDynamoClient({ region: 'eu-west-1', credentials, maxAttempts: 1 });
    try {
      expect(await defaults.config.maxAttempts()).toBe(3);
      expect(await tighter.config.maxAttempts()).toBe(1);
    } finally {
      defaults.destroy();
      tighter.destroy();
    }
  });
});
