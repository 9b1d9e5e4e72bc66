/**
 * Smoke check of the peer servers (bare-uws, ws-server, socketio-server): each is started as the
 * benches start it (own process, GC on SIGUSR2), gets 3 devices, a /push batch (one device missing),
 * a /fanout with repeat 2, bad bodies, a replacing connection and a SIGUSR2; every device must have
 * received exactly its messages. One line per server; exit code 1 on any mismatch.
 *
 *   npx tsx tools/bench/src/servers/peer-servers-smoke.ts
 */
import { join } from 'node:path';
import WebSocket from 'ws';
import { waitFor } from '@pushwire/test-kit';
import { startService } from '../service-process';

type Kind = 'uws' | 'ws' | 'socketio';
const SERVERS: { name: string; main: string; kind: Kind }[] = [
  { name: 'bare-uws', main: 'tools/bench/src/servers/bare-uws.ts', kind: 'uws' },
  { name: 'ws', main: 'tools/bench/src/servers/ws-server.ts', kind: 'ws' },
  { name: 'socket.io', main: 'tools/bench/src/servers/socketio-server.ts', kind: 'socketio' },
];
const DEVICES = ['dev-0', 'dev-1', 'dev-2'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Device {
  readonly received: string[];
  closeCode?: number;
  readonly ws: WebSocket;
}

/** Connects one device; resolves once it can receive (Socket.IO: after its namespace connect `40`). */
function connect(kind: Kind, port: number, deviceId: string): Promise<Device> {
  const url =
    kind === 'socketio'
      ? `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket&device=${encodeURIComponent(deviceId)}`
      : `ws://127.0.0.1:${port}/v1/connect?device=${encodeURIComponent(deviceId)}`;
  const ws = new WebSocket(url);
  const device: Device = { received: [], ws };
  ws.on('close', (code) => (device.closeCode = code));
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    if (kind !== 'socketio') {
      ws.on('message', (data) => device.received.push(data.toString()));
      ws.once('open', () => resolve(device));
      return;
    }
    // Engine.IO 4 over WebSocket: `0{…}` open, we send `40` (connect to "/"), the server answers
    // `40{"sid":…}`; `2` is its ping (we answer `3`), `42[…]` an event, `41` a namespace disconnect.
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('0')) ws.send('40');
      else if (text.startsWith('40')) resolve(device);
      else if (text === '2') ws.send('3');
      else if (text.startsWith('42')) {
        const [event, payload] = JSON.parse(text.slice(2)) as [string, string];
        if (event === 'push') device.received.push(payload);
      } else if (text.startsWith('41')) device.closeCode = 4001;
    });
  });
}

async function call(port: number, method: string, path: string, body?: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    body,
    headers: body ? { 'content-type': 'application/json' } : undefined,
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (/readyz): keep the text
  }
  return { status: res.status, json };
}

/** Waits up to 3 s for `check`; a timeout ends this server's smoke with a problem naming `what`. */
const settled = (check: () => boolean | Promise<boolean>, what: string) => waitFor(check, { what, timeoutMs: 3000, intervalMs: 25 });

async function smoke(server: (typeof SERVERS)[number]): Promise<string[]> {
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected))
      problems.push(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  const started = await startService(server.name, server.main, (port) => ({ BENCH_PORT: String(port) }), '/readyz', {
    nodeFlags: ['--expose-gc', '--require', join(__dirname, 'gc-on-signal.cjs')],
  });
  const { port } = started;
  const devices: Device[] = [];
  try {
    expect('GET /readyz', await call(port, 'GET', '/readyz'), { status: 200, json: 'ok' });
    devices.push(...(await Promise.all(DEVICES.map((id) => connect(server.kind, port, id)))));
    await settled(async () => ((await call(port, 'GET', '/stats')).json as { connections: number }).connections === 3, '3 connections');
    expect('GET /stats', await call(port, 'GET', '/stats'), { status: 200, json: { connections: 3 } });

    const items = [...DEVICES.map((deviceId, i) => ({ deviceId, payload: `push-${i} ✓` })), { deviceId: 'nobody', payload: 'lost' }];
    expect('POST /push', await call(port, 'POST', '/push', JSON.stringify({ items })), { status: 200, json: { delivered: 3, missing: 1 } });
    expect('POST /fanout', await call(port, 'POST', '/fanout', JSON.stringify({ payload: 'all', repeat: 2 })), {
      status: 200,
      json: { delivered: 6 },
    });
    expect('POST /fanout (default repeat)', await call(port, 'POST', '/fanout', JSON.stringify({ payload: 'once' })), {
      status: 200,
      json: { delivered: 3 },
    });
    for (const [path, body] of [
      ['/push', '{"items":5}'],
      ['/push', '{"items":[{"deviceId":"a"}]}'],
      ['/fanout', 'not json'],
      ['/fanout', '{"payload":"x","repeat":0}'],
    ] as const) {
      expect(`POST ${path} ${body}`, (await call(port, 'POST', path, body)).status, 400);
    }

    const want = (i: number) => [`push-${i} ✓`, 'all', 'all', 'once'];
    await settled(() => devices.every((d, i) => d.received.length >= want(i).length), 'every device to receive its messages');
    devices.forEach((d, i) => expect(`${DEVICES[i]} received`, d.received, want(i)));

    // A newer connection of dev-0 replaces the older: the count stays, pushes reach the new one.
    const newer = await connect(server.kind, port, 'dev-0');
    await settled(() => devices[0]!.closeCode !== undefined, 'the replaced connection to close');
    expect('replaced connection closed', devices[0]!.closeCode !== undefined, true);
    expect('GET /stats after replace', (await call(port, 'GET', '/stats')).json, { connections: 3 });
    expect(
      'POST /push to replacement',
      (await call(port, 'POST', '/push', JSON.stringify({ items: [{ deviceId: 'dev-0', payload: 'again' }] }))).json,
      { delivered: 1, missing: 0 },
    );
    await settled(() => newer.received.length > 0, 'the replacement to receive');
    expect('replacement received', newer.received, ['again']);
    devices.push(newer);

    // SIGUSR2 (full GC, gc-on-signal.cjs) leaves the server serving.
    process.kill(started.pid, 'SIGUSR2');
    await sleep(300);
    expect('GET /readyz after SIGUSR2', (await call(port, 'GET', '/readyz')).status, 200);
  } catch (e) {
    problems.push(`failed: ${(e as Error).message}`);
  } finally {
    for (const d of devices) d.ws.terminate();
    await started.process.stop('SIGKILL');
  }
  return problems;
}

async function main() {
  let failed = false;
  for (const server of SERVERS) {
    const problems = await smoke(server);
    failed ||= problems.length > 0;
    process.stdout.write(
      `${server.name.padEnd(10)} ${problems.length ? `FAIL\n  ${problems.join('\n  ')}` : 'ok (readyz, stats, push 3+1 missing, fanout 2×3 + 1×3, 4 bad bodies → 400, replace, SIGUSR2)'}\n`,
    );
  }
  process.exit(failed ? 1 : 0);
}

void main();
