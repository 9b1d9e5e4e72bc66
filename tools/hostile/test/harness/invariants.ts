import type { ClusterEdge } from '@pushwire/cluster';
import { rssBytes } from '../../src';
import type { Hostile } from './hostile-cluster';

/** A bystander's push must arrive within this, whatever the batch before it did. */
export const PUSH_BOUND_MS = 10_000;
/** How much a service's RSS may grow over its baseline during the suite. */
export const RSS_GROWTH_BOUND_BYTES = 256 * 1024 * 1024;
/** No service may ever hold more than this. */
export const RSS_CEILING_BYTES = 1024 * 1024 * 1024;

/**
 * The invariants asserted after every batch of hostile input. Throws one error listing every
 * violation: a process that is not running, a bystander that no longer gets its push within
 * PUSH_BOUND_MS, a service whose RSS grew past its bound.
 */
export async function assertInvariants(h: Hostile, after: string): Promise<void> {
  const problems: string[] = [];
  for (const s of h.services) {
    if (!s.running)
      problems.push(
        `${s.name} is not running (${s.lastExit?.signal ?? `exit code ${s.lastExit?.code}`}); last output:\n${h.output.tail(s.name, 8).join('\n')}`,
      );
  }
  const pushes = await Promise.allSettled(h.bystanders.map((b) => b.receivesPush(h.sender, PUSH_BOUND_MS)));
  pushes.forEach((p, i) => {
    if (p.status === 'rejected') problems.push(`bystander ${h.bystanders[i]!.deviceId} got no push: ${(p.reason as Error).message}`);
  });
  for (const s of h.services) {
    const rss = s.pid === undefined ? undefined : rssBytes(s.pid);
    if (rss === undefined) continue;
    const base = h.baselineRss.get(s.name) ?? 0;
    if (rss - base > RSS_GROWTH_BOUND_BYTES || rss > RSS_CEILING_BYTES)
      problems.push(
        `${s.name} RSS ${mib(rss)} (baseline ${mib(base)}) is past its bound (+${mib(RSS_GROWTH_BOUND_BYTES)}, ≤ ${mib(RSS_CEILING_BYTES)})`,
      );
  }
  if (problems.length) throw new Error(`after ${after}:\n- ${problems.join('\n- ')}`);
}

const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

/**
 * Whether `edge` still serves other accounts after an attack on it: its process runs and the
 * bystander on it gets a push. For a regression to compare against `{ edgeRunning: true,
 * bystanderGetsPushes: 'yes' }`; a missing push shows as its error message.
 */
export async function edgeStillServes(h: Hostile, edge: ClusterEdge): Promise<{ edgeRunning: boolean; bystanderGetsPushes: string }> {
  const bystander = h.bystanders.find((b) => b.edge === edge);
  const bystanderGetsPushes = bystander
    ? await bystander.receivesPush(h.sender, PUSH_BOUND_MS).then(
        () => 'yes',
        (e: Error) => e.message,
      )
    : `no bystander on ${edge.id}`;
  return { edgeRunning: edge.process.running, bystanderGetsPushes };
}

/** What `edgeStillServes` answers for an edge the attack did not disturb. */
export const STILL_SERVES = { edgeRunning: true, bystanderGetsPushes: 'yes' } as const;
