import { spawn } from 'node:child_process';
import path from 'node:path';
import { InfraError } from './errors';

/** A flat classpath of every jar in `dir` (the JVM expands `dir/*` itself). */
export const classpathOf = (dir: string): string => path.join(dir, '*');

/**
 * The system property every Java process we start carries, naming its run folder. `down` checks a
 * recorded pid's command line for it before signalling, so it never stops someone else's process.
 */
export const runMarkerArg = (runDir: string): string => `-Dpushwire.run=${runDir}`;

/** Runs a short-lived Java tool (Kafka's StorageTool) to completion; rejects with its output. */
export function runJava(java: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(java, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (error) => reject(new InfraError(`could not run ${java}`, { cause: error })));
    child.on('close', (code) =>
      code === 0
        ? resolve(output)
        : reject(new InfraError(`\`java ${args.join(' ')}\` failed (exit ${code}):\n${output.trim().slice(-4000)}`)),
    );
  });
}
