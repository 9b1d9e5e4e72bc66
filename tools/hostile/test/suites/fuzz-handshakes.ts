import fc from 'fast-check';
import { describeExchange, exchange, exchangeProblem, hostileHandshake, type HostileHandshake } from '../../src';
import { devicePortOf } from '../harness/devices';
import { fuzzParameters } from '../harness/fuzz';
import type { Hostile } from '../harness/hostile-cluster';
import { assertInvariants } from '../harness/invariants';

/** A handshake is answered (or its socket closed) within this. */
const HANDSHAKE_BOUND_MS = 3000;
/** Pause between a handshake's TCP segments: the split is the input under test. */
const SEGMENT_GAP_MS = 25;

/** What went wrong with one handshake, or undefined. */
async function attempt(port: number, hs: HostileHandshake): Promise<string | undefined> {
  const result = await exchange(port, hs.segments, { deadlineMs: HANDSHAKE_BOUND_MS, gapMs: SEGMENT_GAP_MS });
  const seen = describeExchange(result);
  // docs/security.md, "HTTP parsing": what the uWS parser refuses gets no answer (the socket is
  // dropped after ≈ 12 s, past this bound); the invariants after the batch check it cost nobody else.
  if (result.outcome === 'silent' && hs.parserRefuses) return undefined;
  const typed = exchangeProblem(result);
  if (typed) return `${hs.label}: ${typed}`;
  const upgraded = result.answer?.status === 101;
  // 503 (draining, overloaded) is a typed refusal any handshake may get.
  if (hs.expect === 'upgrade' && !upgraded && result.answer?.status !== 503) return `${hs.label}: a valid handshake got ${seen}, not 101`;
  if (hs.expect === 'refuse' && upgraded) return `${hs.label}: an invalid handshake was upgraded (101)`;
  return undefined;
}

/**
 * Generated WebSocket handshakes over raw sockets, split anywhere into up to four TCP segments:
 * valid ones must be upgraded, invalid ones refused with a JSON error (or the socket closed), none
 * left unanswered except those the uWS parser refuses before any handler (documented silence);
 * then the invariants hold.
 */
export function handshakeFuzz(hostile: () => Hostile): void {
  it('generated handshakes: valid ones upgrade, invalid ones get a typed refusal, and the cluster keeps serving others', async () => {
    const h = hostile();
    const edge = h.cluster.edges[1]!;
    const port = devicePortOf(edge);
    const handshakes = hostileHandshake({
      port,
      path: '/v1/connect',
      validToken: await h.token('attackers', 'fz-handshake'),
      expiredToken: await h.token('attackers', 'fz-handshake', { ttlSeconds: -60 }),
    });
    let batch = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(handshakes, { minLength: 6, maxLength: 10 }), async (attempts) => {
        batch++;
        const problems = (await Promise.all(attempts.map((hs) => attempt(port, hs)))).filter((p): p is string => p !== undefined);
        if (problems.length) throw new Error(`batch ${batch}:\n- ${problems.join('\n- ')}`);
        await assertInvariants(h, `handshake batch ${batch}`);
      }),
      fuzzParameters(),
    );
  });
}
