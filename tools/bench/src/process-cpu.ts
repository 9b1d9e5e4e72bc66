import { readdirSync, readFileSync } from 'node:fs';
import { cpuSeconds } from './cluster-bench';

/** Named groups of processes whose CPU a bench accounts per phase (a group's pids are summed). */
export type ProcessGroups = Record<string, readonly number[]>;

/**
 * Pids of the processes whose command line contains `marker` (the Kafka broker's main class, DynamoDB
 * Local's jar): the shared infra the bench reuses runs outside the cluster it started, yet it is on
 * the measured path, so "which process is the limit" needs its CPU too. Empty when none is visible.
 */
export function pidsByCommandLine(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** CPU seconds so far of each group (the bench itself as `bench`, from process.cpuUsage). */
export function cpuSnapshot(groups: ProcessGroups): Record<string, number> {
  const usage = process.cpuUsage();
  const snapshot: Record<string, number> = { bench: (usage.user + usage.system) / 1e6 };
  for (const [name, pids] of Object.entries(groups)) snapshot[name] = pids.reduce((sum, pid) => sum + (cpuSeconds(pid) || 0), 0);
  return snapshot;
}

/** CPU seconds each group spent between two snapshots. */
export function cpuSpent(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]));
}
