import { runPushctl } from '../pushctl';

/** What one in-process pushctl run gave: its exit code and what it wrote. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a pushctl command line in this process (jest), capturing stdout and stderr. */
export async function pushctl(...argv: string[]): Promise<Run> {
  let stdout = '',
    stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await runPushctl(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** The JSON lines of an output. */
export const lines = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
