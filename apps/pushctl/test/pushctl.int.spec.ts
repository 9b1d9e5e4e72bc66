import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePorts } from '@pushwire/infra';
import { waitFor } from '@pushwire/test-kit';
import { DEV_DEFAULTS } from '@pushwire/service-kit';
import { unusedUrl } from '@pushwire/service-http/testing';

/**
 * The README walkthrough, as a user runs it: `npm start` (the all-in-one, on ports the OS picks),
 * `pushctl listen` in one process and `pushctl send` in another.
 */
const root = join(__dirname, '../../..');
const pushctlBin = join(root, 'apps/pushctl/bin/pushctl.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [pushctlBin, ...args], { env, cwd: root });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `pushctl listen` and resolves once it is connected (its stderr says so). */
function listen(args: string[], env: NodeJS.ProcessEnv): Promise<{ done: Promise<Run> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [pushctlBin, 'listen', ...args], { env, cwd: root });
    let stdout = '',
      stderr = '';
    const done = new Promise<Run>((r) => child.on('exit', (code) => r({ code, stdout, stderr })));
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      if (stderr.includes('waiting for pushes')) resolve({ done });
    });
    child.on('exit', () => reject(new Error(`listen exited early: ${stderr}`)));
  });
}

const lines = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('pushctl against npm start', () => {
  let platform: ChildProcess;
  let env: NodeJS.ProcessEnv;
  let output = '';

  beforeAll(async () => {
    // A port that is free now: the all-in-one's edge needs the device list's port before it listens.
    const deviceListPort = String((await freePorts(1))[0]);
    platform = spawn(process.execPath, ['--require', 'tsx/cjs', join(root, 'apps/all-in-one/src/main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        PUSHWIRE_EDGE_PORT: '0',
        PUSHWIRE_EDGE_INTERNAL_PORT: '0',
        PUSHWIRE_REGISTRY_PORT: '0',
        PUSHWIRE_PROCESSOR_PORT: '0',
        PUSHWIRE_DEVICE_LIST_PORT: deviceListPort,
        PUSHWIRE_LOG_LEVEL: 'warn',
      },
    });
    await new Promise<void>((resolve, reject) => {
      platform.stdout!.on('data', (d: Buffer) => {
        output += d;
        if (output.includes('stop      Ctrl-C')) resolve();
      });
      platform.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
    });
    const edge = /devices\s+ws:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1];
    const registry = /registry\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1];
    const deviceList = /devices\s+http:\/\/127\.0\.0\.1:(\d+)\/v1\/accounts/.exec(output)![1];
    const processor = /enqueue\s+http:\/\/127\.0\.0\.1:(\d+)\/v1\/push-requests/.exec(output)![1];
    // No secrets: pushctl and the all-in-one share the development defaults, as in the README.
    env = {
      ...process.env,
      PUSHWIRE_EDGE_URL: `http://127.0.0.1:${edge}`,
      PUSHWIRE_REGISTRY_URL: `http://127.0.0.1:${registry}`,
      PUSHWIRE_DEVICE_LIST_URL: `http://127.0.0.1:${deviceList}`,
      PUSHWIRE_PROCESSOR_URL: `http://127.0.0.1:${processor}`,
    };
  });

  afterAll(async () => {
    const exited = new Promise<number | null>((r) => platform.on('exit', (code) => r(code)));
    platform.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('Pushwire stopped.');
  });

  it.each([
    ['WebSocket', []],
    ['SSE', ['--sse']],
  ])('%s: the listener prints the push and the sender prints delivered', async (_name, extra) => {
    const device = `tv-${extra.length ? 'sse' : 'ws'}`;
    const listener = await listen(['--account', 'a1', '--device', device, '--count', '1', ...extra], env);
    const sent = await run(['send', '--device', device, '--data', '{"hello":"world"}'], env);
    expect(sent.code).toBe(0);
    expect(lines(sent.stdout)).toEqual([expect.objectContaining({ deviceId: device, status: 'delivered' })]);
    const heard = await listener.done;
    expect(heard.code).toBe(0);
    const frames = lines(heard.stdout);
    expect(frames[0]).toMatchObject({ type: 'welcome', deviceId: device, accountId: 'a1' });
    expect(frames[1]).toMatchObject({ type: 'push', payload: { hello: 'world' }, id: lines(sent.stdout)[0].messageId });
  });

  it.each([
    ['WebSocket', []],
    ['SSE', ['--sse']],
  ])('%s: --ack prints acknowledged', async (_name, extra) => {
    const device = `tv-ack-${extra.length ? 'sse' : 'ws'}`;
    const listener = await listen(['--account', 'a1', '--device', device, '--count', '1', ...extra], env);
    const sent = await run(['send', '--device', device, '--data', '{"n":2}', '--ack'], env);
    expect(lines(sent.stdout)[0]).toMatchObject({ status: 'acknowledged' });
    expect((await listener.done).code).toBe(0);
  });

  it('a deliver body nested 10,000 deep is answered 400 and takes nothing down: the next push is delivered', async () => {
    const deliverUrl = /deliver\s+(http:\/\/\S+\/v1\/deliver)/.exec(output)![1]!;
    const deep = `{"accountId":"a1","deviceId":"tv-deep","message":{"id":"deep","payload":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`;
    const res = await fetch(deliverUrl, { method: 'POST', headers: { authorization: `Bearer ${DEV_DEFAULTS.serviceToken}` }, body: deep });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request', retriable: false } });
    const listener = await listen(['--account', 'a1', '--device', 'tv-deep', '--count', '1'], env);
    const sent = await run(['send', '--device', 'tv-deep', '--data', '{"after":"deep"}'], env);
    expect(lines(sent.stdout)).toEqual([expect.objectContaining({ deviceId: 'tv-deep', status: 'delivered' })]);
    expect((await listener.done).code).toBe(0);
  });

  it('an unknown device is not_connected, with exit code 2', async () => {
    const sent = await run(['send', '--device', 'nobody-here', '--data', '1'], env);
    expect(sent.code).toBe(2);
    expect(lines(sent.stdout)[0]).toMatchObject({ deviceId: 'nobody-here', status: 'not_connected' });
  });

  it('devices shows a listening device, and d2d reaches it (exit 0) or says why not (exit 2)', async () => {
    const listener = await listen(['--account', 'a1', '--device', 'tv-d2d', '--count', '1'], env);
    // The device list learns of connections through the event bus: ask until it lists the device (or fails).
    const listed = await waitFor(
      async () => {
        const r = await run(['devices', '--account', 'a1'], env);
        return r.code !== 0 || r.stdout.includes('tv-d2d') ? r : undefined;
      },
      { what: 'pushctl devices to list tv-d2d', timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(listed.code).toBe(0);
    expect(lines(listed.stdout)).toContainEqual({ deviceId: 'tv-d2d', deviceType: 'tv', connectedAt: expect.any(Number) });

    const sent = await run(['d2d', '--account', 'a1', '--from', 'phone-d2d', '--to', 'tv-d2d', '--data', '{"play":1}'], env);
    expect(sent).toMatchObject({ code: 0, stdout: '{"status":"delivered"}\n' });
    const absent = await run(['d2d', '--account', 'a1', '--from', 'phone-d2d', '--to', 'nobody-here', '--data', '1'], env);
    expect(absent).toMatchObject({ code: 2, stdout: '{"status":"not_connected"}\n' });
    // From account a2, tv-d2d names a device of a2, which has none: a1's tv-d2d is out of its reach.
    const foreign = await run(['d2d', '--account', 'a2', '--from', 'phone-a2', '--to', 'tv-d2d', '--data', '1'], env);
    expect(foreign).toMatchObject({ code: 2, stdout: '{"status":"not_connected"}\n' });

    await run(['send', '--device', 'tv-d2d', '--data', '"bye"'], env);
    const heard = await listener.done;
    expect(lines(heard.stdout)).toContainEqual({ type: 'd2d.message', id: expect.any(String), from: 'phone-d2d', payload: { play: 1 } });
    expect(lines(heard.stdout).filter((f) => f.type === 'd2d.message')).toHaveLength(1);
  });

  it("another account's device with the same id is another device: neither replaces the other, each gets only its own pushes, sent or enqueued", async () => {
    const mine = await listen(['--account', 'a1', '--device', 'tv9', '--count', '2'], env);
    const theirs = await listen(['--account', 'evil', '--device', 'tv9', '--count', '2', '--sse'], env);

    const sentMine = await run(['send', '--device', 'tv9', '--data', '"direct for a1"'], env);
    expect(lines(sentMine.stdout)).toEqual([expect.objectContaining({ accountId: 'a1', deviceId: 'tv9', status: 'delivered' })]);
    const sentTheirs = await run(['send', '--account', 'evil', '--device', 'tv9', '--data', '"direct for evil"'], env);
    expect(lines(sentTheirs.stdout)).toEqual([expect.objectContaining({ accountId: 'evil', deviceId: 'tv9', status: 'delivered' })]);
    for (const args of [
      ['--device', 'tv9', '--data', '"queued for a1"'],
      ['--account', 'evil', '--device', 'tv9', '--data', '"queued for evil"'],
    ]) {
      const queued = await run(['enqueue', ...args], env);
      expect(queued.code).toBe(0);
    }

    // Neither was replaced (exit code 3): each heard its own two pushes and nothing else.
    const [heardMine, heardTheirs] = await Promise.all([mine.done, theirs.done]);
    const pushes = (r: Run) =>
      lines(r.stdout)
        .filter((f) => f.type === 'push')
        .map((f) => f.payload);
    expect([heardMine.code, pushes(heardMine)]).toEqual([0, ['direct for a1', 'queued for a1']]);
    expect([heardTheirs.code, pushes(heardTheirs)]).toEqual([0, ['direct for evil', 'queued for evil']]);
  });

  it('a message enqueued for an offline device is stored, then printed by its listener when it connects, and ends delivered', async () => {
    const follower = spawn(
      process.execPath,
      [pushctlBin, 'enqueue', '--device', 'later1', '--data', '{"n":1}', '--ttl', '600', '--follow'],
      {
        env,
        cwd: root,
      },
    );
    let followed = '';
    follower.stdout.on('data', (d: Buffer) => (followed += d));
    const followerExit = new Promise<number | null>((r) => follower.on('exit', (code) => r(code)));
    const outcome = (status: string) => lines(followed).find((l) => l.status === status);
    await waitFor(() => outcome('stored'), { what: 'the stored outcome', timeoutMs: 20_000 });
    const { messageId } = lines(followed)[0];
    expect(outcome('stored')).toMatchObject({ messageId, status: 'stored', target: { accountId: 'a1', deviceId: 'later1' } });

    const listener = await listen(['--account', 'a1', '--device', 'later1', '--count', '1'], env);
    const heard = await listener.done;
    expect(heard.code).toBe(0);
    expect(lines(heard.stdout).filter((f) => f.type === 'push')).toEqual([expect.objectContaining({ id: messageId, payload: { n: 1 } })]);
    expect(await followerExit).toBe(0);
    expect(
      lines(followed)
        .slice(1)
        .map((o) => o.status),
    ).toEqual(['stored', 'delivered']);
  });

  it('trace shows the life of a message enqueued for an offline device: accepted, stored, then written and delivered when it connects', async () => {
    const follower = spawn(
      process.execPath,
      [pushctlBin, 'enqueue', '--device', 'traced1', '--data', '{"n":7}', '--ttl', '600', '--follow'],
      { env, cwd: root },
    );
    let followed = '';
    follower.stdout.on('data', (d: Buffer) => (followed += d));
    const followerExit = new Promise<number | null>((r) => follower.on('exit', (code) => r(code)));
    await waitFor(() => lines(followed).find((l) => l.status === 'stored'), { what: 'the stored outcome', timeoutMs: 20_000 });
    const { messageId } = lines(followed)[0];
    const listener = await listen(['--account', 'a1', '--device', 'traced1', '--count', '1'], env);
    expect((await listener.done).code).toBe(0);
    expect(await followerExit).toBe(0); // its final outcome, delivered, was published

    const traced = await run(['trace', messageId, '--json'], env);
    expect(traced.code).toBe(0);
    expect(traced.stderr).not.toContain('did not answer');
    const events = lines(traced.stdout);
    const life = events.map((e) => `${e.service} ${e.stage}`);
    // The stages a user follows, in this order (others, such as the race closure's second lookup, may come between).
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
    expect(events.find((e) => e.stage === 'routed')).toMatchObject({
      detail: { status: 'not_connected' },
      accountId: 'a1',
      deviceId: 'traced1',
    });
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort((a, b) => a - b));

    // The text form: one line per event, time and offset, the service and the stage.
    const text = await run(['trace', messageId], env);
    expect(text.code).toBe(0);
    const [heading, ...rows] = text.stdout.trim().split('\n');
    expect(heading).toContain(`message ${messageId}  device traced1 of account a1`);
    expect(rows).toHaveLength(events.length);
    expect(rows[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z\s+\+0 ms\s+message-processor\s+accepted\s+priority=normal$/);
    expect(rows.at(-1)).toMatch(/\+\d+ ms\s+push-edge\s+delivered\s+status=delivered edgeId=edge-1$/);
  });

  it('trace says plainly when no service knows a message (exit 1), refuses a malformed id (exit 64) and names a service that does not answer', async () => {
    const unknown = await run(['trace', 'never-sent-1'], env);
    expect([unknown.code, unknown.stdout]).toEqual([1, '']);
    expect(unknown.stderr).toContain('no service knows message never-sent-1');
    const bad = await run(['trace', 'not a/valid id'], env);
    expect([bad.code, bad.stderr]).toEqual([64, expect.stringContaining('is not a message id')]);
    const deadRegistry = await unusedUrl();
    const down = await run(['trace', 'never-sent-2', '--registry', deadRegistry], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`registry at ${deadRegistry} did not answer`);
    expect(down.stderr).toContain('no service knows message never-sent-2');
  });

  it('send --store-if-offline answers stored (exit 0) for an offline device, which gets the push when it connects', async () => {
    const sent = await run(['send', '--device', 'later2', '--data', '{"n":2}', '--store-if-offline', '--ttl', '600'], env);
    expect(sent.code).toBe(0);
    const [result] = lines(sent.stdout);
    expect(result).toMatchObject({ accountId: 'a1', deviceId: 'later2', status: 'stored', storedAt: expect.any(Number) });
    const listener = await listen(['--account', 'a1', '--device', 'later2', '--count', '1'], env);
    const heard = await listener.done;
    expect(lines(heard.stdout).filter((f) => f.type === 'push')).toEqual([
      expect.objectContaining({ id: result.messageId, payload: { n: 2 } }),
    ]);
    // Without the flag, an offline device is still not_connected (exit 2).
    expect((await run(['send', '--device', 'later3', '--data', '1'], env)).code).toBe(2);
  });

  it('bad input gets a usage error naming the problem (exit 64), and every command has --help', async () => {
    const bad = await run(['send', '--device', 'tv1', '--data', '{not json'], env);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--data must be JSON/);
    const missing = await run(['listen', '--device', 'tv1'], env);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/--account is required/);
    for (const cmd of ['token', 'listen', 'send']) {
      const help = await run([cmd, '--help'], env);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`pushctl ${cmd}`);
    }
    // --device names a device of --account, a1 unless told: the help says so.
    for (const cmd of ['send', 'enqueue', 'outcomes']) expect((await run([cmd, '--help'], env)).stdout).toContain('default a1');
    const neither = await run(['send', '--data', '1'], env);
    expect([neither.code, neither.stderr]).toEqual([64, expect.stringContaining('give --device D')]);
  });

  it('says loudly, once per run, when it falls back to the development secrets; not when they are set', async () => {
    const warning = /pushctl: WARNING: using the published DEVELOPMENT secrets/g;
    const sent = await run(['send', '--device', 'nobody-here', '--data', '1'], env);
    expect(sent.code).toBe(2);
    expect(sent.stderr.match(warning)).toHaveLength(1);
    expect(sent.stderr).toMatch(/set PUSHWIRE_SENDER_TOKENS \(or PUSHWIRE_SERVICE_TOKEN\) and PUSHWIRE_JWT_SECRET for anything else/);
    const withSecrets = { ...env, PUSHWIRE_SENDER_TOKENS: 'sender-token-0123456789', PUSHWIRE_JWT_SECRET: 'jwt-secret-0123456789' };
    const token = await run(['token', '--account', 'a1', '--device', 'tv1'], withSecrets);
    expect(token).toMatchObject({ code: 0, stderr: '' });
  });

  it('token prints a JWT the edge accepts', async () => {
    const t = await run(['token', '--account', 'a9', '--device', 'd9', '--type', 'phone'], env);
    expect(t.code).toBe(0);
    const [, claims] = t.stdout.trim().split('.');
    expect(JSON.parse(Buffer.from(claims!, 'base64url').toString())).toMatchObject({ sub: 'a9', device_id: 'd9', device_type: 'phone' });
    const ws = await fetch(`${env.PUSHWIRE_EDGE_URL}/v1/events`, { headers: { authorization: `Bearer ${t.stdout.trim()}` } });
    expect(ws.status).toBe(200);
    await ws.body?.cancel();
  });

  it('publish and broadcast print their place in the topic log: offsets that grow, one epoch', async () => {
    const first = await run(['publish', '--topic', 'live:m1', '--data', '{"score":"1-0"}'], env);
    const second = await run(['publish', '--topic', 'live:m1', '--data', '{"score":"2-0"}', '--ttl', '60'], env);
    const everyone = await run(['broadcast', '--data', '{"x":1}', '--device-type', 'tv'], env);
    expect([first.code, second.code, everyone.code]).toEqual([0, 0, 0]);
    const [a] = lines(first.stdout);
    const [b] = lines(second.stdout);
    const [c] = lines(everyone.stdout);
    expect(Object.keys(a)).toEqual(['topic', 'id', 'offset', 'epoch']);
    expect(Object.keys(c)).toEqual(['id', 'offset', 'epoch']);
    expect(b.offset).toBeGreaterThan(a.offset);
    expect(c.offset).toBeGreaterThan(b.offset);
    expect(new Set([a.epoch, b.epoch, c.epoch]).size).toBe(1);
  });

  it('topics as the README shows them: two accounts get a publish, one back from offline gets the three it missed, a broadcast reaches every device, a topic outside the token is forbidden', async () => {
    const topicLines = (r: Run) => lines(r.stdout).filter((l) => l.type === 'topic.message');
    const p1 = await listen(['--account', 'a1', '--device', 'tp1', '--topic', 'live:m9', '--count', '5'], env);
    const p2 = await listen(['--account', 'a2', '--device', 'tp2', '--topic', 'live:m9', '--count', '1'], env);
    const first = lines((await run(['publish', '--topic', 'live:m9', '--data', '{"score":"1-0"}'], env)).stdout)[0];
    const p2Run = await p2.done;
    expect(topicLines(p2Run)).toEqual([
      expect.objectContaining({ topic: 'live:m9', offset: first.offset, epoch: first.epoch, payload: { score: '1-0' } }),
    ]);

    // tp2 is offline for three publishes, then resumes from the last message it printed.
    const missed = [];
    for (const score of ['2-0', '2-1', '3-1'])
      missed.push(lines((await run(['publish', '--topic', 'live:m9', '--data', JSON.stringify({ score })], env)).stdout)[0]);
    const back = await run(
      ['listen', '--account', 'a2', '--device', 'tp2', '--topic', 'live:m9', '--since', `${first.offset}@${first.epoch}`, '--count', '3'],
      env,
    );
    expect(back.code).toBe(0);
    expect(lines(back.stdout).filter((l) => l.type === 'topic.recovery')).toEqual([
      { type: 'topic.recovery', topic: 'live:m9', recovered: true },
    ]);
    expect(topicLines(back).map((l) => [l.offset, l.payload.score])).toEqual(missed.map((m, i) => [m.offset, ['2-0', '2-1', '3-1'][i]]));

    const tv = await listen(['--account', 'a3', '--device', 'tv7', '--count', '1'], env);
    expect((await run(['broadcast', '--data', '{"x":1}'], env)).code).toBe(0);
    const [p1Run, tvRun] = await Promise.all([p1.done, tv.done]);
    // tp1 stayed: it printed all four publishes, in order, then the broadcast (its --count of 5).
    expect(topicLines(p1Run).map((l) => l.offset)).toEqual([first, ...missed].map((m) => m.offset));
    for (const r of [p1Run, tvRun])
      expect(lines(r.stdout).filter((l) => l.type === 'broadcast')).toEqual([expect.objectContaining({ payload: { x: 1 } })]);

    const refused = await run(['listen', '--account', 'a1', '--device', 'tp3', '--allow', 'live:*', '--topic', 'news'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/subscribing to news failed \(forbidden\)/);
  });
});
