import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ServiceProcess } from '@pushwire/cluster';
import { EDGE_NODE_FLAGS } from '@pushwire/edge';
import { freePorts } from '@pushwire/infra';
import { nestedJson } from '../../src';
import { metricSum } from '../harness/api';
import { frameOf, rawDevice } from '../harness/devices';
import type { Hostile } from '../harness/hostile-cluster';

const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** pino's numeric levels from error up (error 50, fatal 60). */
const ERROR_LEVEL_LINE = /"level":(50|60)\b/;

/** The address a TCP port listens on, from /proc/net/tcp (IPv4) and tcp6, e.g. `127.0.0.1`, `0.0.0.0`, `::`. */
function listenAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local?.endsWith(`:${hexPort}`)) continue; // 0A: LISTEN
      const hex = local.split(':')[0]!;
      if (hex.length === 8) found.push(Buffer.from(hex, 'hex').reverse().join('.'));
      else found.push(/^0+$/.test(hex) ? '::' : hex);
    }
  }
  return found;
}

/** Items 14–16 of issue 12: log floods, metric labels, and separation of duties. */
export function operationsItems(hostile: () => Hostile): void {
  it('item 14: a d2d frame with a deeply nested payload is answered rejected, with no error logged', async () => {
    const h = hostile();
    const edge = h.cluster.edges[0]!;
    const sender = await rawDevice(h, edge, 'i14-a', 'i14-tv');
    await rawDevice(h, edge, 'i14-a', 'i14-phone');
    const mark = h.output.mark();
    const payload = nestedJson(5000, 'array');
    for (let i = 0; i < 5; i++) sender.sendText(`{"type":"d2d.send","reqId":"i14-r${i}","to":"i14-phone","payload":${payload}}`);
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await sender.next(frameOf('d2d.result', { reqId: `i14-r${i}` }), 5000, `d2d.result i14-r${i}`);
      statuses.push((result as { status: string }).status);
    }
    // The edge wrote any log line before its reply; one more round trip lets that output reach us.
    await fetch(`${edge.internalUrl}/healthz`);
    const errorLines = h.output.since(mark, edge.id).filter((l) => ERROR_LEVEL_LINE.test(l));
    expect({ statuses, errorLines: errorLines.map((l) => l.slice(0, 200)) }).toEqual({
      statuses: Array(5).fill('rejected'),
      errorLines: [],
    });
  });

  it('item 15: client-chosen close codes do not become metric labels', async () => {
    const h = hostile();
    const edge = h.cluster.edges[1]!;
    const codes = [3001, 3999, 4321, 4999];
    for (const [i, code] of codes.entries()) await (await rawDevice(h, edge, 'i15-a', `i15-tv${i}`)).close(code);
    const page = await (await fetch(`${edge.internalUrl}/metrics`)).text();
    const labelled = codes.filter(
      (code) => metricSum(page, 'pushwire_edge_closes_total', (labels) => labels.includes(`code="${code}"`)) > 0,
    );
    expect(labelled).toEqual([]);
  });

  // Design choice: the internal port (deliver, notify, metrics) has a bind host of its own that
  // defaults to loopback, whatever the device port binds to. This starts one edge whose device
  // port binds every interface, with random secrets, for the few seconds the check takes.
  it("item 16: the edge's internal port binds loopback when the device port binds every interface", async () => {
    const h = hostile();
    const [device, internal] = await freePorts(2);
    const edge = new ServiceProcess(
      {
        name: 'edge-i16',
        main: 'apps/push-edge/src/main.ts',
        nodeFlags: EDGE_NODE_FLAGS,
        readyUrl: `http://127.0.0.1:${internal}/readyz`,
        env: {
          PUSHWIRE_EDGE_ID: 'edge-i16',
          PUSHWIRE_EDGE_HOST: '0.0.0.0',
          PUSHWIRE_EDGE_PORT: String(device),
          PUSHWIRE_EDGE_INTERNAL_PORT: String(internal),
          PUSHWIRE_REGISTRY_URL: h.cluster.registryUrl,
          PUSHWIRE_SERVICE_TOKEN: h.cluster.serviceToken,
          PUSHWIRE_JWT_SECRET: randomBytes(24).toString('base64url'),
          PUSHWIRE_EDGE_DRAIN_SECONDS: '0',
          PUSHWIRE_LOG_LEVEL: 'warn',
        },
      },
      h.output.sink,
    );
    try {
      await edge.start();
      expect({ device: listenAddresses(device!), internal: listenAddresses(internal!) }).toEqual({
        device: ['0.0.0.0'],
        internal: ['127.0.0.1'],
      });
    } finally {
      await edge.stop('SIGTERM', 10_000);
    }
  });

  it('item 16: pushctl says loudly when it falls back to the development secrets', async () => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => k !== 'PUSHWIRE_JWT_SECRET' && k !== 'PUSHWIRE_SERVICE_TOKEN'),
    );
    const run = await promisify(execFile)(
      process.execPath,
      ['apps/pushctl/bin/pushctl.js', 'token', '--account', 'i16-a', '--device', 'i16-tv'],
      {
        cwd: REPO_ROOT,
        env,
        timeout: 30_000,
      },
    );
    expect({
      printedAToken: run.stdout.split('.').length === 3,
      warning: /development/i.test(run.stderr) && run.stderr.includes('PUSHWIRE_JWT_SECRET'),
    }).toEqual({
      printedAToken: true,
      warning: true,
    });
  });
}
