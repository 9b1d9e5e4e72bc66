import fc from 'fast-check';
import { describeExchange, exchange, exchangeProblem, hostileRequest, type HostileRequest } from '../../src';
import { devicePortOf, internalPortOf, rawDevice } from '../harness/devices';
import { fuzzParameters } from '../harness/fuzz';
import type { Hostile } from '../harness/hostile-cluster';
import { assertInvariants } from '../harness/invariants';

/** A request is answered (or its socket closed) within this; bodies run to megabytes on a busy machine. */
const REQUEST_BOUND_MS = 5000;

/** What went wrong with one request, or undefined. */
async function attempt(r: HostileRequest): Promise<string | undefined> {
  const result = await exchange(r.port, [r.bytes], { deadlineMs: REQUEST_BOUND_MS });
  const typed = exchangeProblem(result);
  if (typed) return `${r.label}: ${typed}`;
  const status = result.answer?.status ?? 0;
  if (r.authorized === 'no' && status >= 200 && status < 300)
    return `${r.label}: accepted without valid credentials (${describeExchange(result)})`;
  return undefined;
}

/**
 * Generated requests to every internal API (edge deliver and notify, the frames back-channel,
 * registry, processor, device list): broken bodies, deep nesting, huge bodies, hostile ids, odd
 * content types and credentials. Each gets a typed answer, nothing without the service token of the
 * endpoint's role is accepted, and after each batch the invariants hold.
 */
export function internalApiFuzz(hostile: () => Hostile): void {
  it('generated internal-API requests get typed answers, and every batch leaves the cluster serving others', async () => {
    const h = hostile();
    const edge = h.cluster.edges[0]!;
    // A live device of the attackers' own, so deliveries and enqueues reach a connection.
    await rawDevice(h, edge, 'attackers', 'fz-api-target');
    const port = (url: string) => Number(new URL(url).port);
    const requests = hostileRequest({
      edgeInternalPort: internalPortOf(edge),
      edgeDevicePort: devicePortOf(edge),
      registryPort: port(h.cluster.registryUrl),
      processorPort: port(h.cluster.processorUrl),
      deviceListPort: port(h.cluster.deviceListUrl),
      senderToken: h.cluster.serviceToken,
      edgeToken: h.cluster.edgeToken,
      liveAccountId: 'attackers',
      liveDeviceIds: ['fz-api-target'],
    });
    let batch = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(requests, { minLength: 6, maxLength: 10 }), async (batchRequests) => {
        batch++;
        const problems = (await Promise.all(batchRequests.map(attempt))).filter((p): p is string => p !== undefined);
        if (problems.length) throw new Error(`batch ${batch}:\n- ${problems.join('\n- ')}`);
        await assertInvariants(h, `internal-API batch ${batch}`);
      }),
      fuzzParameters(),
    );
  });
}
