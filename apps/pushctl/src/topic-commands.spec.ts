import { MemoryEventBus } from '@pushwire/event-bus';
import { topicEpochOf } from '@pushwire/protocol';
import { loadProcessorConfig, ProcessorService } from '@pushwire/push-processor';
import { unusedUrl } from '@pushwire/service-http/testing';
import { silentLogger } from '@pushwire/service-kit';
import { topicLogRecords } from '@pushwire/push-client/testing';
import { lines, pushctl } from './testing/in-process';

/**
 * `pushctl publish` / `broadcast` against the real message processor (its HTTP API on a real port,
 * over the in-memory bus, as in `npm start`), and `pushctl token --topic`. What they appended is
 * read back from the topic log as an edge reads it.
 */
const TOKEN = 'pushctl-topics-token-0123456789';
const ENV = ['PUSHWIRE_SENDER_TOKENS', 'PUSHWIRE_PROCESSOR_URL', 'PUSHWIRE_JWT_SECRET'] as const;
const savedEnv = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));

let service: ProcessorService;
let bus: MemoryEventBus;
let epoch: string;

const logRecords = () => topicLogRecords(bus);

beforeAll(async () => {
  bus = new MemoryEventBus();
  const config = loadProcessorConfig({}, { serviceToken: TOKEN, host: '127.0.0.1', port: 0, registryUrl: 'http://127.0.0.1:9' });
  service = new ProcessorService({ config, bus, logger: silentLogger() });
  const port = await service.start();
  process.env.PUSHWIRE_PROCESSOR_URL = `http://127.0.0.1:${port}`;
  process.env.PUSHWIRE_SENDER_TOKENS = TOKEN;
  process.env.PUSHWIRE_JWT_SECRET = 'pushctl-topics-jwt-secret-0123456789';
  epoch = topicEpochOf(await bus.logId());
});
afterAll(async () => {
  await service.stop();
  await bus.close();
  for (const name of ENV) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});

describe('pushctl publish', () => {
  it('prints {"topic","id","offset","epoch"} as one JSON line, the offset growing with every message', async () => {
    const first = await pushctl('publish', '--topic', 'live:m1', '--data', '{"score":"1-0"}', '--id', 'goal-1');
    const second = await pushctl('publish', '--topic', 'live:m1', '--data', '{"score":"2-0"}', '--ttl', '60', '--priority', 'high');

    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^\{"topic":"live:m1","id":"goal-1","offset":\d+,"epoch":"[^"]+"\}\n$/);
    const [a] = lines(first.stdout) as { offset: number; epoch: string }[];
    const [b] = lines(second.stdout) as { topic: string; id: string; offset: number; epoch: string }[];
    expect(a!.epoch).toBe(epoch);
    expect(b).toEqual({ topic: 'live:m1', id: expect.any(String), offset: a!.offset + 1, epoch });

    const record = (await logRecords()).find((r) => JSON.parse(r.value).id === b!.id)!;
    expect(record.key).toBe('live:m1');
    expect(JSON.parse(record.value)).toMatchObject({ kind: 'topic', payload: { score: '2-0' }, ttlSeconds: 60, priority: 'high' });
  });

  it.each([
    [['--data', '1'], /--topic is required/],
    [['--topic', '$type:tv', '--data', '1'], /--topic must be letters, digits and _ \. : @ -.*got "\$type:tv"/],
    [['--topic', 'live m1', '--data', '1'], /--topic must be letters/],
    [['--topic', 't1'], /--data is required/],
    [['--topic', 't1', '--data', '{nope'], /--data must be JSON/],
    [['--topic', 't1', '--data', '1', '--ttl', 'soon'], /--ttl must be a positive integer, got "soon"/],
    [['--topic', 't1', '--data', '1', '--ttl', '99999999'], /--ttl: invalid publish request: \/ttlSeconds/],
    [['--topic', 't1', '--data', '1', '--priority', 'urgent'], /--priority must be high, normal or low/],
    [['--topic', 't1', '--data', '1', '--id', ''], /--id: invalid publish request: \/id/],
    [['--topic', 't1', '--data', '1', '--device-type', 'tv'], /Unknown option '--device-type'/],
  ])('is a usage error (64) with %j, naming the flag, before anything is sent', async (args, message) => {
    const before = (await logRecords()).length;
    const run = await pushctl('publish', ...args);
    expect(run).toMatchObject({ code: 64, stdout: '' });
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('Usage: pushctl publish --topic T');
    expect((await logRecords()).length).toBe(before);
  });

  it('exits 1 with the processor’s reason when it refuses, and names the URL when nothing answers', async () => {
    const huge = await pushctl('publish', '--topic', 't1', '--data', JSON.stringify('x'.repeat(70 * 1024)));
    expect(huge).toMatchObject({ code: 1, stdout: '' });
    expect(huge.stderr).toMatch(/publish refused \(413 payload_too_large\): the payload's \d+ bytes can never fit/);

    const url = await unusedUrl();
    const unreachable = await pushctl('publish', '--topic', 't1', '--data', '1', '--processor', url);
    expect(unreachable).toMatchObject({ code: 1, stdout: '' });
    expect(unreachable.stderr).toContain(`cannot reach the message processor at ${url} (PUSHWIRE_PROCESSOR_URL)`);
  });
});

describe('pushctl broadcast', () => {
  it('prints {"id","offset","epoch"}, in the offset space of topic messages, with every --device-type', async () => {
    const published = lines((await pushctl('publish', '--topic', 'news', '--data', '"before"')).stdout)[0] as { offset: number };

    const all = await pushctl('broadcast', '--data', '{"x":1}', '--id', 'b-1');
    const some = await pushctl('broadcast', '--data', '"tv and phone"', '--device-type', 'tv', '--device-type', 'phone', '--ttl', '30');

    expect(all).toMatchObject({ code: 0, stdout: `{"id":"b-1","offset":${published.offset + 1},"epoch":"${epoch}"}\n` });
    expect(lines(some.stdout)).toEqual([{ id: expect.any(String), offset: published.offset + 2, epoch }]);
    const records = (await logRecords()).slice(-2).map((r) => [r.key, JSON.parse(r.value)]);
    expect(records).toEqual([
      ['$broadcast', expect.objectContaining({ kind: 'broadcast', id: 'b-1', payload: { x: 1 } })],
      ['$broadcast', expect.objectContaining({ payload: 'tv and phone', deviceTypes: ['tv', 'phone'], ttlSeconds: 30 })],
    ]);
    expect(records[0]![1]).not.toHaveProperty('deviceTypes');
  });

  it.each([
    [[], /--data is required/],
    [['--data', '1', '--device-type', 'not a type!'], /--device-type: invalid broadcast request: \/deviceTypes/],
    [['--data', '1', '--topic', 't1'], /Unknown option '--topic'/],
  ])('is a usage error (64) with %j', async (args, message) => {
    const run = await pushctl('broadcast', ...args);
    expect(run).toMatchObject({ code: 64, stdout: '' });
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain("Usage: pushctl broadcast --data '<json>'");
  });
});

describe('pushctl token --topic', () => {
  const claims = (stdout: string) =>
    JSON.parse(Buffer.from(stdout.trim().split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

  it('mints a token whose topics claim holds every --topic pattern, and none without', async () => {
    const run = await pushctl('token', '--account', 'a1', '--device', 'tv1', '--topic', 'live:*', '--topic', 'news');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(claims(run.stdout)).toMatchObject({ sub: 'a1', device_id: 'tv1', topics: ['live:*', 'news'] });

    expect(claims((await pushctl('token', '--account', 'a1', '--device', 'tv1')).stdout)).not.toHaveProperty('topics');
  });

  it('is a usage error (64) for a pattern an edge would refuse', async () => {
    const run = await pushctl('token', '--account', 'a1', '--device', 'tv1', '--topic', 'live m1');
    expect(run).toMatchObject({ code: 64, stdout: '' });
    expect(run.stderr).toMatch(/--topic must be a topic pattern.*got "live m1"/);
  });
});

describe('pushctl help for topics', () => {
  it('lists publish and broadcast, and each explains its flags', async () => {
    const help = await pushctl('--help');
    expect(help.stdout).toMatch(/^ {2}publish +publish a message to every device subscribed to a topic/m);
    expect(help.stdout).toMatch(/^ {2}broadcast +send a message to every connected device/m);
    expect((await pushctl('publish', '--help')).stdout).toContain('Usage: pushctl publish --topic T --data');
    expect((await pushctl('broadcast', '--help')).stdout).toContain('--device-type (repeatable)');
    expect((await pushctl('token', '--help')).stdout).toContain('--topic (repeatable)');
  });
});
