import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { testTables } from '@pushwire/dynamodb-kit/testing';
import { dynamoClientFromEnv, dynamodbEndpointFromEnv } from '@pushwire/infra/testing';
import type { DeviceRef } from '@pushwire/protocol';
import { DynamoRegistryStore, ensureRegistryTables } from '@pushwire/registry';
import { listenTestRegistry } from '@pushwire/registry/testing';
import { HttpRegistryClient } from '@pushwire/registry-client';
import { waitFor } from '@pushwire/test-kit';
import { startTestEdge, TEST_SERVICE_TOKEN } from '../src/testing';
import { RawDevice } from './raw-device';
import { cuttableProxy } from './tcp-pipe';

// The fault, end to end on DynamoDB Local: edge → registry over HTTP → DynamoDB, with the
// registry's DynamoDB behind a TCP proxy the test cuts (every connection reset, new ones refused)
// long enough for the edge's lease to lapse, then restores.

const direct = dynamoClientFromEnv();
const tables = testTables(direct, 'pushwire-edge-lease');
const table = tables.name('routes');

describe('edge on DynamoDB Local: routes after a store outage', () => {
  const DEVICES = 200;
  const refs: DeviceRef[] = Array.from({ length: DEVICES }, (_, i) => ({ accountId: `acct-${tables.run}-${i % 10}`, deviceId: `tv-${i}` }));

  it('makes devices that never disconnected routable again within 2 s of DynamoDB answering after their lease lapsed', async () => {
    await ensureRegistryTables(direct, { table });
    const proxy = await cuttableProxy(() => new URL(dynamodbEndpointFromEnv()));
    const viaProxy = new DynamoDBClient({
      endpoint: proxy.url,
      region: await direct.config.region(),
      credentials: await direct.config.credentials(),
      maxAttempts: 2,
    });
    const store = new DynamoRegistryStore({ client: viaProxy, table });
    const observer = new DynamoRegistryStore({ client: direct, table });
    const served = await listenTestRegistry(store, TEST_SERVICE_TOKEN);
    const registry = new HttpRegistryClient({ baseUrl: served.baseUrl, serviceToken: TEST_SERVICE_TOKEN });
    const t = await startTestEdge({ leaseTtlSeconds: 2 }, { registry });
    const devices: RawDevice[] = [];
    try {
      for (const ref of refs) {
        const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token(ref.accountId, ref.deviceId)}`);
        devices.push(d);
        await d.next('welcome');
      }
      await waitFor(async () => (await observer.lookup(refs)).length === DEVICES, { timeoutMs: 15_000, what: 'all registered' });

      proxy.cut();
      await waitFor(async () => (await observer.readLeases([t.edge.edgeId])).length === 0, { timeoutMs: 8000, what: 'the lease to lapse' });
      expect(await observer.lookup(refs)).toEqual([]);

      const back = Date.now();
      proxy.restore();
      await waitFor(async () => (await observer.lookup(refs)).length === DEVICES, {
        timeoutMs: 10_000,
        what: 'every device routable again',
      });
      const recoveryMs = Date.now() - back;
      console.log(`DynamoDB Local: routes back ${recoveryMs} ms after the store answered again (${DEVICES} devices, lease TTL 2 s)`);
      expect(recoveryMs).toBeLessThan(2000);
      expect(t.edge.connections).toBe(DEVICES);
    } finally {
      for (const d of devices) d.close();
      await t.stop();
      await registry.close();
      await served.app.close();
      await Promise.all([store.close(), observer.close()]);
      viaProxy.destroy();
      await proxy.close();
    }
  }, 60_000);
});
