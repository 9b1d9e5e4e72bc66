import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { nestedJson } from '../../src';
import { metricSum } from '../harness/api';
import { frameOf, rawDevice } from '../harness/devices';
import type { Hostile } from '../harness/hostile-cluster';
import { startLoneEdge } from '../harness/lone-edge';

const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** Every variable that would spare pushctl its fallback to the development secrets. */
const DEV_SECRET_VARIABLES = ['PUSHWIRE_JWT_SECRET', 'PUSHWIRE_SERVICE_TOKEN', 'PUSHWIRE_SENDER_TOKENS', 'PUSHWIRE_EDGE_TOKENS'];

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

  // As decided (docs/security.md, "Network exposure"): the internal port (deliver, notify, metrics)
  // binds PUSHWIRE_EDGE_INTERNAL_HOST, loopback by default, whatever the device port binds to. This
  // starts one edge whose device port binds every interface, with random secrets, for the few
  // seconds the check takes.
  it("item 16: the edge's internal port binds loopback when the device port binds every interface", async () => {
    const edge = await startLoneEdge(hostile(), 'edge-i16', { PUSHWIRE_EDGE_HOST: '0.0.0.0' });
    try {
      expect({ device: listenAddresses(edge.devicePort), internal: listenAddresses(edge.internalPort) }).toEqual({
        device: ['0.0.0.0'],
        internal: ['127.0.0.1'],
      });
    } finally {
      await edge.stop();
    }
  });

  it('item 16: pushctl says loudly when it falls back to the development secrets', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !DEV_SECRET_VARIABLES.includes(k)));
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
