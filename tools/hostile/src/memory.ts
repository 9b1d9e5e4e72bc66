import { readFileSync } from 'node:fs';

/** A process's resident set size in bytes (VmRSS in /proc/<pid>/status), or undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`reading /proc/${pid}/status failed`, { cause: e });
  }
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}
