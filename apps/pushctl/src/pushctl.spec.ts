import { DeviceClient } from '@pushwire/device-client';
import { FakeEdge, waitForEvent, type FakeConnection, type FakeIdentity } from '@pushwire/device-client/testing';
import { StubService, unusedUrl } from '@pushwire/service-http/testing';
import { DEV_DEFAULTS } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import { lines, pushctl } from './testing/in-process';

/**
 * pushctl in process: the command line in, the exit code and what it wrote out. The services it
 * talks to are scripted here on real ports: a StubService for the device-list API, the device SDK's
 * FakeEdge (accepting pushctl's dev JWTs) for the edge.
 */
const ENV = [
  'PUSHWIRE_DEVICE_LIST_URL',
  'PUSHWIRE_EDGE_URL',
  'PUSHWIRE_SERVICE_TOKEN',
  'PUSHWIRE_SENDER_TOKENS',
  'PUSHWIRE_JWT_SECRET',
  'PUSHWIRE_JWT_ISSUER',
  'PUSHWIRE_JWT_AUDIENCE',
] as const;
const savedEnv = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of ENV) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});

describe('pushctl devices', () => {
  const stub = StubService.forTests();
  beforeEach(() => {
    process.env.PUSHWIRE_DEVICE_LIST_URL = stub.url;
  });

  const devices = [
    { deviceId: 'tv1', deviceType: 'tv', deviceName: 'Living room', connectedAt: 1_700_000_000_000 },
    { deviceId: 'phone1', deviceType: 'phone', connectedAt: 1_700_000_000_500 },
  ];

  it('GETs the account from PUSHWIRE_DEVICE_LIST_URL with the service token and prints a JSON line a device', async () => {
    stub.answer = () => ({ status: 200, body: { accountId: 'a1', devices } });
    const run = await pushctl('devices', '--account', 'a1');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual(devices);
    expect(run.stderr).toContain('2 device(s) online in account a1');
    expect(stub.requests).toEqual([
      { method: 'GET', url: '/v1/accounts/a1/devices', authorization: `Bearer ${DEV_DEFAULTS.serviceToken}` },
    ]);
  });

  it('takes --device-list over the environment, and PUSHWIRE_SERVICE_TOKEN', async () => {
    stub.answer = () => ({ status: 200, body: { accountId: 'a:1@x', devices: [] } });
    process.env.PUSHWIRE_DEVICE_LIST_URL = await unusedUrl();
    process.env.PUSHWIRE_SERVICE_TOKEN = 'svc';
    const run = await pushctl('devices', '--account', 'a:1@x', '--device-list', `${stub.url}/`);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(stub.requests).toEqual([{ method: 'GET', url: '/v1/accounts/a%3A1%40x/devices', authorization: 'Bearer svc' }]);
  });

  it.each([
    [
      401,
      { error: { code: 'unauthorized', message: 'bad service token', retriable: false } },
      /refused \(401 unauthorized\): bad service token \(check PUSHWIRE_SERVICE_TOKEN\)/,
    ],
    [
      503,
      { error: { code: 'store_unavailable', message: 'store down', retriable: true } },
      /refused \(503 store_unavailable\): store down/,
    ],
    [404, { something: 'else' }, /refused \(404\): HTTP 404/],
  ])('exits 1 and says why on HTTP %i', async (status, body, message) => {
    stub.answer = () => ({ status, body });
    const run = await pushctl('devices', '--account', 'a1');
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(message);
  });

  it('exits 1 on an answer that is not JSON or not a device list', async () => {
    stub.answer = () => ({ status: 502, text: '<h1>Bad gateway</h1>', headers: { 'content-type': 'text/html' } });
    const proxy = await pushctl('devices', '--account', 'a1');
    expect(proxy).toMatchObject({ code: 1, stdout: '' });
    expect(proxy.stderr).toMatch(/device list answered badly: .*502 is not JSON/);
    stub.answer = () => ({ status: 200, body: { accountId: 'a1', devices: [{ deviceId: 'tv1' }] } });
    const wrong = await pushctl('devices', '--account', 'a1');
    expect(wrong).toMatchObject({ code: 1, stdout: '' });
    expect(wrong.stderr).toMatch(/unexpected answer: invalid device list response/);
  });

  it('exits 1 when nothing answers, naming the URL and its variable', async () => {
    const url = await unusedUrl();
    process.env.PUSHWIRE_DEVICE_LIST_URL = url;
    const run = await pushctl('devices', '--account', 'a1');
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain(`cannot reach the device list at ${url} (PUSHWIRE_DEVICE_LIST_URL)`);
  });

  it('is a usage error (64) without --account', async () => {
    const run = await pushctl('devices');
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(/--account is required\nUsage: pushctl devices --account A/);
    expect(stub.requests).toEqual([]);
  });
});

/** pushctl's dev tokens are JWTs: the fake edge takes their claims on trust (`topics` included, when present). */
const claimsOf = (token: string): FakeIdentity | undefined => {
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}') as Record<string, string> & {
    topics?: string[];
  };
  if (!claims.device_id) return undefined;
  const identity = { deviceId: claims.device_id, accountId: claims.sub!, deviceType: claims.device_type! };
  return claims.topics ? { ...identity, topics: claims.topics } : identity;
};

describe('pushctl d2d', () => {
  let edge: FakeEdge;
  let tv: DeviceClient;

  beforeEach(async () => {
    edge = await FakeEdge.start({ tokens: { tv: { deviceId: 'tv1', accountId: 'a1', deviceType: 'tv' } }, identify: claimsOf });
    process.env.PUSHWIRE_EDGE_URL = edge.url;
    tv = new DeviceClient({ url: edge.url, token: 'tv' });
    await tv.connect();
  });
  afterEach(async () => {
    await tv.close();
    await edge.stop();
  });

  it.each([
    ['WebSocket', []],
    ['SSE', ['--sse']],
  ])('%s: connects as --from and prints {"status":"delivered"}; the target gets the message', async (_name, extra) => {
    const message = waitForEvent(tv, 'd2d.message');
    const run = await pushctl('d2d', '--account', 'a1', '--from', 'phone1', '--to', 'tv1', '--data', '{"cmd":"pause"}', ...extra);
    expect(run).toMatchObject({ code: 0, stdout: '{"status":"delivered"}\n' });
    expect(await message).toMatchObject({ from: 'phone1', payload: { cmd: 'pause' } });
    const sender = edge.connections.find((c) => c.identity.deviceId === 'phone1')!;
    expect(sender.identity).toEqual({ deviceId: 'phone1', accountId: 'a1', deviceType: 'phone' });
    if (!sender.closed) await edge.next('disconnect', (c) => c === sender);
  });

  it('exits 2 with the status when the message was not delivered', async () => {
    edge.addToken('fridge', { deviceId: 'fridge9', accountId: 'a2' });
    const other = new DeviceClient({ url: edge.url, token: 'fridge' });
    await other.connect();
    try {
      const absent = await pushctl('d2d', '--account', 'a1', '--from', 'phone1', '--to', 'nobody', '--data', '1');
      expect(absent).toMatchObject({ code: 2, stdout: '{"status":"not_connected"}\n' });
      // fridge9 is a device of a2: from a1 the id names nobody.
      const foreign = await pushctl('d2d', '--account', 'a1', '--from', 'phone1', '--to', 'fridge9', '--data', '1', '--type', 'tablet');
      expect(foreign).toMatchObject({ code: 2, stdout: '{"status":"not_connected"}\n' });
      edge.opts.d2dStatus = 'forbidden';
      const refused = await pushctl('d2d', '--account', 'a1', '--from', 'phone1', '--to', 'tv1', '--data', '1');
      expect(refused).toMatchObject({ code: 2, stdout: '{"status":"forbidden"}\n' });
      edge.opts.d2dStatus = 'rate_limited';
      const limited = await pushctl('d2d', '--account', 'a1', '--from', 'phone1', '--to', 'tv1', '--data', '1');
      expect(limited).toMatchObject({ code: 2, stdout: '{"status":"rate_limited"}\n' });
    } finally {
      await other.close();
    }
  });

  it('exits 1 when an error frame answers the send', async () => {
    edge.on('connection', (conn) => {
      if (conn.identity.deviceId === 'phone1') conn.silence();
    });
    edge.on('frame', (conn, frame) => {
      if (frame.type === 'd2d.send')
        conn.send({ type: 'error', code: 'forbidden', message: 'd2d is off for this account', reqId: frame.reqId });
    });
    const run = await pushctl('d2d', '--account', 'a1', '--from', 'phone1', '--to', 'tv1', '--data', '1');
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain('d2d to tv1 failed (forbidden): d2d is off for this account');
  });

  it('exits 1 when the edge refuses the token or does not answer, without retrying', async () => {
    const refusing = await FakeEdge.start({});
    try {
      const refused = await pushctl('d2d', '--account', 'a1', '--from', 'phone1', '--to', 'tv1', '--data', '1', '--edge', refusing.url);
      expect(refused).toMatchObject({ code: 1, stdout: '' });
      expect(refused.stderr).toContain(`cannot connect to ${refusing.url} as phone1: edge answered HTTP 401`);
    } finally {
      await refusing.stop();
    }
    process.env.PUSHWIRE_EDGE_URL = await unusedUrl();
    const unreachable = await pushctl('d2d', '--account', 'a1', '--from', 'phone1', '--to', 'tv1', '--data', '1');
    expect(unreachable).toMatchObject({ code: 1, stdout: '' });
    expect(unreachable.stderr).toContain(`cannot connect to ${process.env.PUSHWIRE_EDGE_URL} as phone1`);
  });

  it.each([
    [['--account', 'a1', '--from', 'phone1', '--data', '1'], /--to is required/],
    [['--account', 'a1', '--to', 'tv1', '--data', '1'], /--from is required/],
    [['--account', 'a1', '--from', 'phone1', '--to', 'tv1', '--data', '{nope'], /--data must be JSON/],
    [['--account', 'a1', '--from', 'phone1', '--to', 'tv1', '--data', '1', 'extra'], /unexpected argument "extra"/],
  ])('is a usage error (64) with %j, before connecting', async (args, message) => {
    const run = await pushctl('d2d', ...args);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain("Usage: pushctl d2d --account A --from D1 --to D2 --data '<json>'");
    expect(edge.connections).toHaveLength(1);
  });
});

describe('pushctl listen --topic', () => {
  let edge: FakeEdge;
  beforeEach(async () => {
    edge = await FakeEdge.start({ identify: claimsOf });
    process.env.PUSHWIRE_EDGE_URL = edge.url;
  });
  afterEach(() => edge.stop());

  /** Waits until the listening device is subscribed to `topics` on the fake edge; returns its connection. */
  const subscribedTo = async (...topics: string[]): Promise<FakeConnection> => {
    let conn: FakeConnection | undefined;
    await waitFor(() => (conn = edge.connections.find((c) => !c.closed && topics.every((t) => c.topics.has(t)))) !== undefined, {
      what: `pushctl subscribed to ${topics.join(', ')}`,
      timeoutMs: 5000,
    });
    return conn!;
  };
  const ofType = (stdout: string, ...types: string[]) => lines(stdout).filter((l) => types.includes((l as { type: string }).type));

  it('mints a token allowing exactly its topics, prints each topic message and broadcast as a JSON line, counts them', async () => {
    const run = pushctl('listen', '--account', 'a1', '--device', 'p1', '--topic', 'live:m1', '--topic', 'news', '--count', '3');
    const conn = await subscribedTo('live:m1', 'news');
    expect(conn.identity).toEqual({ deviceId: 'p1', accountId: 'a1', deviceType: 'tv', topics: ['live:m1', 'news'] });
    edge.publish('live:m1', { score: '1-0' }, { id: 'goal' });
    edge.publish('elsewhere', 'not subscribed');
    edge.broadcast({ x: 1 }, { id: 'season' });
    edge.publish('news', 'hello');
    const done = await run;
    expect(done.code).toBe(0);
    expect(ofType(done.stdout, 'topic.message', 'broadcast')).toEqual([
      {
        type: 'topic.message',
        topic: 'live:m1',
        id: 'goal',
        offset: 1,
        epoch: 'e1',
        payload: { score: '1-0' },
        sentAt: expect.any(Number),
      },
      { type: 'broadcast', id: 'season', payload: { x: 1 }, sentAt: expect.any(Number) },
      { type: 'topic.message', topic: 'news', id: 'm4', offset: 4, epoch: 'e1', payload: 'hello', sentAt: expect.any(Number) },
    ]);
    expect(done.stderr).toContain('waiting for pushes and topics live:m1, news');
  });

  it('resumes with --since: prints the topic.recovery line, then what it missed, in order', async () => {
    edge.publish('live:m1', 'one');
    edge.publish('live:m1', 'two');
    edge.publish('live:m1', 'three');
    const run = await pushctl('listen', '--account', 'a1', '--device', 'p1', '--topic', 'live:m1', '--since', '1@e1', '--count', '2');
    expect(run.code).toBe(0);
    expect(
      ofType(run.stdout, 'topic.recovery', 'topic.message').map((l) => [(l as { type: string }).type, (l as { payload?: string }).payload]),
    ).toEqual([
      ['topic.recovery', undefined],
      ['topic.message', 'two'],
      ['topic.message', 'three'],
    ]);
    expect(ofType(run.stdout, 'topic.recovery')).toEqual([{ type: 'topic.recovery', topic: 'live:m1', recovered: true }]);
    expect(edge.connections[0]!.frames).toContainEqual({
      type: 'subscribe',
      reqId: expect.any(String),
      topic: 'live:m1',
      since: { offset: 1, epoch: 'e1' },
    });
  });

  it('exits 1 and says why when the edge refuses a topic', async () => {
    edge.opts.subscribeStatus = (topic) => (topic === 'vip' ? 'forbidden' : 'subscribed');
    const run = await pushctl('listen', '--account', 'a1', '--device', 'p1', '--topic', 'live:m1', '--topic', 'vip');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/subscribing to vip failed \(forbidden\)/);
    expect(ofType(run.stdout, 'subscribe.result')).toContainEqual(expect.objectContaining({ topic: 'vip', status: 'forbidden' }));
  });

  it('exits 1 when a renewal after a reconnect is refused (the token no longer allows the topic, say)', async () => {
    const run = pushctl('listen', '--account', 'a1', '--device', 'p1', '--topic', 'live:m1');
    const conn = await subscribedTo('live:m1');
    edge.opts.subscribeStatus = 'forbidden';
    conn.close(1001, 'edge stopping');
    const done = await run;
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(/the subscription to live:m1 ended: resubscribing to live:m1 failed \(forbidden\)/);
  });

  it.each([
    ['a reserved topic', ['--topic', '$type:tv'], /--topic must be letters, digits/],
    ['a topic of 129 characters', ['--topic', 'x'.repeat(129)], /--topic must be letters, digits/],
    ['--since without --topic', ['--since', '1@e1'], /--since needs --topic/],
    ['--since without an epoch', ['--topic', 'live:m1', '--since', '12'], /--since must be OFFSET@EPOCH.*got "12"/],
    ['a negative --since', ['--topic', 'live:m1', '--since=-1@e1'], /--since must be OFFSET@EPOCH/],
    ['a bad epoch', ['--topic', 'live:m1', '--since', '1@e 1'], /--since must be OFFSET@EPOCH/],
  ])('is a usage error (64) with %s, before connecting', async (_what, args, message) => {
    const run = await pushctl('listen', '--account', 'a1', '--device', 'p1', ...args);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(message);
    expect(edge.connections).toHaveLength(0);
  });
});

describe('pushctl help', () => {
  it('lists devices and d2d and PUSHWIRE_DEVICE_LIST_URL; each has --help', async () => {
    const help = await pushctl('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}devices +list the online devices of an account/m);
    expect(help.stdout).toMatch(/^ {2}d2d +connect as one device and send a message/m);
    expect(help.stdout).toContain(`PUSHWIRE_DEVICE_LIST_URL device-list API             (${DEV_DEFAULTS.deviceListUrl})`);
    for (const cmd of ['devices', 'd2d']) {
      const own = await pushctl(cmd, '--help');
      expect(own.code).toBe(0);
      expect(own.stdout).toContain(`Usage: pushctl ${cmd} --account A`);
    }
  });
});

describe('pushctl secrets', () => {
  const claims = (stdout: string) =>
    JSON.parse(Buffer.from(stdout.trim().split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  const WARNING = /pushctl: WARNING: using the published DEVELOPMENT secrets/g;

  it('says loudly, once per run, that it falls back to the development secrets, naming the variables to set', async () => {
    delete process.env.PUSHWIRE_JWT_SECRET;
    delete process.env.PUSHWIRE_SENDER_TOKENS;
    delete process.env.PUSHWIRE_SERVICE_TOKEN;
    const first = await pushctl('token', '--account', 'a1', '--device', 'tv1');
    expect(first.code).toBe(0);
    expect(first.stderr.match(WARNING)).toHaveLength(1);
    expect(first.stderr).toContain('set PUSHWIRE_SENDER_TOKENS (or PUSHWIRE_SERVICE_TOKEN) and PUSHWIRE_JWT_SECRET for anything else');
    // The next run warns again (once).
    expect((await pushctl('token', '--account', 'a1', '--device', 'tv2')).stderr.match(WARNING)).toHaveLength(1);
    process.env.PUSHWIRE_SENDER_TOKENS = 'sender-token-0123456789';
    expect((await pushctl('token', '--account', 'a1', '--device', 'tv3')).stderr).toMatch(/set PUSHWIRE_JWT_SECRET for anything else/);
  });

  it('says nothing when the secrets are set, and mints tokens with the issuer and audience the edge requires', async () => {
    process.env.PUSHWIRE_JWT_SECRET = 'a-real-jwt-secret-0123456789';
    process.env.PUSHWIRE_JWT_ISSUER = 'https://id.example';
    process.env.PUSHWIRE_JWT_AUDIENCE = 'pushwire-devices';
    const run = await pushctl('token', '--account', 'a1', '--device', 'tv1');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(claims(run.stdout)).toMatchObject({ sub: 'a1', device_id: 'tv1', iss: 'https://id.example', aud: 'pushwire-devices' });
  });
});
