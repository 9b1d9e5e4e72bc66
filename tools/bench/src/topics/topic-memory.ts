/**
 * Scenario 3 of bench:topics: edge RSS per idle connection with every connection in three topics,
 * next to the same edge (topic log on Kafka, same build) whose connections subscribe to nothing.
 * The three topics span what apps do: one every device shares (`<tag>.news`), one of a hundred
 * (`<tag>.live:m<i % 100>`, a live match) and one of a thousand (`<tag>.game.<i % 1000>`, a game's
 * players). Measured like `npm run bench`'s idle memory (connectAndIdle: RSS growth over the
 * connect, after a settle and again after a full GC).
 */
import type { ClientFleet, ConnectPlan, TopicPlan } from '@pushwire/loadgen';
import type { BenchRun } from '../bench-run';
import { connectAndIdle, connectPlan, type IdleFigures } from '../suite/scenarios';
import { startPushwireEdges } from '../suite/servers';
import { stopOnce, topicEdgeEnv } from './measure';

/** The three topics of device i (see the file comment). */
export function threeTopics(tag: string): TopicPlan[] {
  return [{ name: `${tag}.news` }, { name: `${tag}.live:m`, spread: 100 }, { name: `${tag}.game.`, spread: 1000 }];
}

export async function topicMemoryRound(
  withTopics: boolean,
  opts: { connections: number; settleMs: number; kafkaBrokers: string; tag: string },
  fleet: ClientFleet,
  bench: BenchRun,
  log: (msg: string) => void,
): Promise<IdleFigures> {
  const cluster = await startPushwireEdges(1, { env: topicEdgeEnv(opts.kafkaBrokers) });
  const cleanUp = stopOnce(bench, async () => {
    await fleet.closeAll();
    await cluster.stop();
  });
  try {
    const edge = cluster.edges[0]!;
    const tokens = connectPlan('pushwire', edge.devicePort, 0).tokens!;
    // A shared machine slows handshakes down: a long deadline for each.
    const extra: Partial<ConnectPlan> = withTopics
      ? { connectTimeoutMs: 60_000, topics: threeTopics(opts.tag), tokens: { ...tokens, topics: [`${opts.tag}.*`] } }
      : { connectTimeoutMs: 60_000 };
    const idle = await connectAndIdle(edge, fleet, opts.connections, opts.settleMs, extra);
    log(
      `memory (${withTopics ? 'three topics each' : 'no topics'}): ${idle.rssPerConnection} B per connection, ${idle.rssPerConnectionAfterGc} B after GC`,
    );
    return idle;
  } finally {
    await cleanUp();
  }
}
