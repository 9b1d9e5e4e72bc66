import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { dynamodbEndpointFromEnv } from '@pushwire/infra/testing';
import { waitFor } from '@pushwire/test-kit';
import type { Cluster } from '../src';
import { CLUSTER_POLL, connectDevice, startTestCluster } from './cluster-fixture';

const root = join(__dirname, '../../..');

/** Runs the real `pushctl` against the cluster (its URLs and sender token in the env). */
function pushctl(cluster: Cluster, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'apps/pushctl/bin/pushctl.js'), ...args], {
      cwd: root,
      env: {
        ...process.env,
        PUSHWIRE_PROCESSOR_URL: cluster.processorUrl,
        PUSHWIRE_REGISTRY_URL: cluster.registryUrl,
        PUSHWIRE_SENDER_TOKENS: cluster.serviceToken,
        PUSHWIRE_JWT_SECRET: cluster.jwtSecret,
      },
    });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/**
 * `pushctl trace` on the real cluster: the processor, the registry and the edges are separate
 * processes, each with its own journal; trace joins them, finding the edge through the registry.
 */
describe('cluster: pushctl trace joins the journals of processor, registry and edge', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startTestCluster(dynamodbEndpointFromEnv());
  });
  afterAll(() => cluster?.stop());

  it('follows a message enqueued for an offline device through three processes: accepted, stored, written, removed, delivered', async () => {
    const run = randomUUID().slice(0, 8);
    const account = `acct-trace-${run}`;
    const device = `tv-trace-${run}`;
    const enqueued = await pushctl(cluster, ['enqueue', '--account', account, '--device', device, '--data', '{"n":1}', '--ttl', '600']);
    expect(enqueued.code).toBe(0);
    const { messageId } = lines(enqueued.stdout)[0];
    const stages = async () => {
      const r = await pushctl(cluster, ['trace', messageId, '--json']);
      return r.code === 0 ? lines(r.stdout).map((e) => `${e.service} ${e.stage}`) : [];
    };
    await waitFor(async () => (await stages()).includes('registry stored'), {
      ...CLUSTER_POLL,
      intervalMs: 500,
      timeoutMs: 60_000,
      what: 'stored',
    });

    // The device connects to the second edge, which no flag names: trace finds it through the registry.
    const { client } = await connectDevice(cluster, cluster.edges[1]!.deviceUrl, account, device);
    try {
      const life = await waitFor(
        async () => {
          const s = await stages();
          return s.includes('push-edge delivered') ? s : undefined;
        },
        { ...CLUSTER_POLL, intervalMs: 500, timeoutMs: 60_000, what: 'the delivered stage from the edge' },
      );
      const expected = [
        'message-processor accepted',
        'message-processor dequeued',
        'message-processor routed',
        'registry stored',
        'push-edge written',
        'registry removed',
        'push-edge delivered',
      ];
      const at = expected.map((step) => life.indexOf(step));
      expect(at.every((i) => i >= 0) ? at : life).toEqual([...at].sort((a, b) => a - b));
    } finally {
      await client.close();
    }
  });
});
