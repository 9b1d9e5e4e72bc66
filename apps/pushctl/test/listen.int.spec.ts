import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceClient } from '@pushwire/device-client';
import { startTestEdge, TEST_JWT_SECRET, TEST_SERVICE_TOKEN, type TestEdge } from '@pushwire/edge/testing';
import { EdgeClient } from '@pushwire/edge-client';
import { MemoryEventBus } from '@pushwire/event-bus';
import { PushClient } from '@pushwire/push-client';
import { MemoryRegistryStore } from '@pushwire/registry';
import { waitFor } from '@pushwire/test-kit';

/**
 * `pushctl listen` as a separate Node process (the device SDK being its only work) against real
 * edges: it stays alive across reconnects, fails over between its --url edges, does not print a
 * message twice (nor after a restart with the same --dedup-file), and exits only when told to or
 * when the connection ends for good.
 */
const root = join(__dirname, '../../..');
const pushctlBin = join(root, 'apps/pushctl/bin/pushctl.js');

/** A running `pushctl listen`: its output so far, and its exit. */
class Listener {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [pushctlBin, 'listen', ...args], {
      cwd: root,
      env: { ...process.env, PUSHWIRE_JWT_SECRET: TEST_JWT_SECRET, ...env },
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until stderr says `text` at least `times` times. */
  said(text: string, times = 1, timeoutMs = 15_000): Promise<boolean> {
    return waitFor(() => this.stderr.split(text).length - 1 >= times, { what: `pushctl listen to say "${text}" ×${times}`, timeoutMs });
  }

  /** Ids of the pushes it printed, in order. */
  pushes(): string[] {
    return this.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; id?: string })
      .filter((f) => f.type === 'push')
      .map((f) => f.id!);
  }

  /** The JSON lines it printed of these frame types, in order. */
  printed(...types: string[]): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((f) => types.includes(f.type as string));
  }

  interrupt(): void {
    this.child.kill('SIGINT');
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }
}

describe('pushctl listen across reconnects', () => {
  const edges: TestEdge[] = [];
  const listeners: Listener[] = [];
  const sender = new EdgeClient({ serviceToken: TEST_SERVICE_TOKEN, timeoutMs: 15_000 });
  let dir: string;

  const listen = (args: string[], env?: NodeJS.ProcessEnv) => {
    const l = new Listener(args, env);
    listeners.push(l);
    return l;
  };
  const push = async (edge: TestEdge, deviceId: string, id: string) => {
    const answer = await sender.deliver(edge.internalUrl, [{ accountId: 'a1', deviceId, message: { id, payload: id, ackRequired: true } }]);
    return answer.kind === 'results' ? answer.outcomes[0]!.status : answer.error.message;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pushctl-listen-'));
  });
  afterEach(async () => {
    for (const l of listeners.splice(0)) l.kill();
    await Promise.all(edges.splice(0).map((e) => e.stop()));
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => sender.close());

  it('stays alive while its only edge is down and listens again once it is back', async () => {
    const store = new MemoryRegistryStore();
    const edge = await startTestEdge({}, { store });
    const port = edge.edge.devicePort;
    const l = listen(['--account', 'a1', '--device', 'tv-alone', '--url', edge.deviceUrl]);
    await l.said('waiting for pushes');
    await edge.stop();
    // Before the fix the process exited 0 here, at its first reconnect (the timer was unref'd).
    await l.said('reconnecting in', 3);
    expect(l.alive).toBe(true);
    const back = await startTestEdge({ devicePort: port }, { store });
    edges.push(back);
    await l.said('waiting for pushes', 2);
    expect(await push(back, 'tv-alone', 'after-restart')).toBe('acknowledged');
    l.interrupt();
    expect(await l.exited).toBe(130);
    expect(l.pushes()).toEqual(['after-restart']);
  });

  it('fails over to the other --url when its edge stops, prints each push once, and a restart with the same --dedup-file does not print it again', async () => {
    const store = new MemoryRegistryStore();
    const [one, two] = [await startTestEdge({}, { store }), await startTestEdge({}, { store })];
    edges.push(two);
    const dedup = join(dir, 'seen.json');
    const args = ['--account', 'a1', '--device', 'tv-fo', '--url', one.deviceUrl, '--url', two.deviceUrl, '--dedup-file', dedup];
    const l = listen(args);
    await l.said('waiting for pushes');
    expect(await push(one, 'tv-fo', 'p1')).toBe('acknowledged');
    await one.stop();
    await l.said('waiting for pushes', 2);
    expect(l.alive).toBe(true);
    expect(await push(two, 'tv-fo', 'p2')).toBe('acknowledged');
    // The same message again (a redelivery): acked, so the sender is settled, but not printed.
    expect(await push(two, 'tv-fo', 'p1')).toBe('acknowledged');
    l.interrupt();
    expect(await l.exited).toBe(130);
    expect(l.pushes()).toEqual(['p1', 'p2']);

    const again = listen([...args, '--count', '1']);
    await again.said('waiting for pushes');
    expect(await push(two, 'tv-fo', 'p2')).toBe('acknowledged');
    expect(await push(two, 'tv-fo', 'p3')).toBe('acknowledged');
    expect(await again.exited).toBe(0);
    expect(again.pushes()).toEqual(['p3']);
  });

  it('--topic: prints each topic message once, and on the other --url after its edge stops resumes where it was (recovery)', async () => {
    const bus = new MemoryEventBus();
    const publisher = new PushClient({ registryUrl: 'http://127.0.0.1:9', serviceToken: TEST_SERVICE_TOKEN, bus });
    try {
      const [one, two] = [await startTestEdge({}, { topicLog: bus }), await startTestEdge({}, { topicLog: bus })];
      edges.push(one, two);
      const l = listen([
        '--account',
        'a1',
        '--device',
        'tv-topic',
        '--topic',
        'live:m1',
        '--url',
        one.deviceUrl,
        '--url',
        two.deviceUrl,
        '--count',
        '3',
      ]);
      await waitFor(() => l.printed('subscribe.result').length === 1, { what: 'pushctl subscribed', timeoutMs: 15_000 });
      expect(l.printed('subscribe.result')[0]).toMatchObject({ topic: 'live:m1', status: 'subscribed' });
      await publisher.publish('live:m1', 'one');
      await waitFor(() => l.printed('topic.message').length === 1, { what: 'the first message printed', timeoutMs: 15_000 });
      edges.splice(edges.indexOf(one), 1);
      await one.stop();
      await publisher.publish('live:m1', 'two'); // while it is away, or just back: printed once either way
      await l.said('waiting for pushes', 2);
      await publisher.publish('live:m1', 'three');
      expect(await l.exited).toBe(0);
      expect(l.printed('topic.message').map((m) => m.payload)).toEqual(['one', 'two', 'three']);
      expect(l.printed('topic.recovery')).toEqual([{ type: 'topic.recovery', topic: 'live:m1', recovered: true }]);
    } finally {
      await publisher.close();
      await bus.close();
    }
  });

  it('exits 3 with a message when another connection of the device replaces it', async () => {
    const edge = await startTestEdge();
    edges.push(edge);
    const l = listen(['--account', 'a1', '--device', 'tv-twice', '--url', edge.deviceUrl]);
    await l.said('waiting for pushes');
    const other = new DeviceClient({ url: edge.deviceUrl, token: await edge.token('a1', 'tv-twice') });
    await other.connect();
    expect(await l.exited).toBe(3);
    expect(l.stderr).toMatch(/connection ended for good \(replaced by a newer connection of this device\); not reconnecting/);
    await other.close();
  });

  it('exits 1 with a message when the edge refuses its token', async () => {
    const edge = await startTestEdge();
    edges.push(edge);
    const l = listen(['--account', 'a1', '--device', 'tv-bad', '--url', edge.deviceUrl], {
      PUSHWIRE_JWT_SECRET: 'another-secret-0123456789',
    });
    expect(await l.exited).toBe(1);
    expect(l.stderr).toMatch(/connection ended for good \(edge answered HTTP 401: .*\); not reconnecting/);
  });
});
