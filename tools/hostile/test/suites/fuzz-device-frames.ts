import fc from 'fast-check';
import { ServerFrameSchemas } from '@pushwire/protocol';
import { hostileFrame, wsEndProblem, type HostileFrame } from '../../src';
import { frameOf, rawDevice } from '../harness/devices';
import { fuzzParameters } from '../harness/fuzz';
import type { Hostile } from '../harness/hostile-cluster';
import { assertInvariants } from '../harness/invariants';

/** After its frames, a device's probe ping is answered (or its connection has ended) within this. */
const PROBE_BOUND_MS = 3000;

/** Why what the edge sent is not a protocol frame, or undefined. */
function serverFrameProblem(m: unknown): string | undefined {
  const type = (m as { type?: unknown } | null)?.type;
  if (typeof m === 'object' && m !== null && typeof type === 'string' && type in ServerFrameSchemas) return undefined;
  return `the edge sent something that is not a protocol frame: ${JSON.stringify(m).slice(0, 200)}`;
}

/** Sends `frames` on a fresh connection, then a probe; returns what went wrong (nothing, when all is typed). */
async function attack(h: Hostile, edgeIndex: number, deviceId: string, frames: readonly HostileFrame[]): Promise<string[]> {
  const ws = await rawDevice(h, h.cluster.edges[edgeIndex]!, 'attackers', deviceId);
  for (const f of frames) ws.sendRaw(f.bytes);
  const probe = Math.floor(Math.random() * 1e9);
  ws.sendText({ type: 'ping', t: probe });
  const outcome = await Promise.race([
    ws.next(frameOf('pong', { t: probe }), PROBE_BOUND_MS, 'pong to the probe ping').then(() => undefined),
    ws.ended,
  ]).catch((e: Error) => e);
  const problems: string[] = [];
  if (outcome instanceof Error) problems.push(`silence: ${outcome.message}`);
  else if (outcome) {
    const p = wsEndProblem(outcome);
    if (p) problems.push(p);
  }
  for (const m of ws.messages) {
    const p = serverFrameProblem(m);
    if (p) problems.push(p);
  }
  if (!ws.isEnded) await ws.close(1000);
  return problems.map((p) => `${deviceId} [${frames.map((f) => f.label).join(' | ')}]: ${p}`);
}

/**
 * Generated device frames over raw WebSockets: valid-looking frames of every type with one field
 * broken, non-frames, invalid UTF-8, binary, oversized and mis-framed frames. Each connection must
 * end with a catalogue close code (or a dropped socket) or still answer a ping; every frame the edge
 * sends is a protocol frame; then the invariants hold.
 */
export function deviceFrameFuzz(hostile: () => Hostile): void {
  it('generated device frames get typed answers, and every batch leaves the cluster serving others', async () => {
    const h = hostile();
    let batch = 0;
    const frames = hostileFrame({ otherAccountDevices: h.bystanders.map((b) => b.deviceId) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(frames, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 4 }), async (connections) => {
        batch++;
        const problems = (await Promise.all(connections.map((fs, i) => attack(h, i % 2, `fz-frames-${batch}-${i}`, fs)))).flat();
        if (problems.length) throw new Error(`batch ${batch}:\n- ${problems.join('\n- ')}`);
        await assertInvariants(h, `device-frame batch ${batch}`);
      }),
      fuzzParameters(),
    );
  });
}
