/**
 * Benchmarked services run in their own processes: a start that resolves once the service says it
 * is ready (a line on its stdout), shared by the benches, and the registry service started that way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The repository root: services run from it, their files named relative to it. */
const REPO_ROOT = join(__dirname, '../../..');

/** A started service and the port its readiness line named. */
export interface ServiceProcess {
  child: ChildProcess;
  port: number;
}

/** How to start a service besides its file and environment. */
export interface StartServiceOptions {
  /** Node flags before `--require tsx/cjs`, e.g. `--expose-gc` or the edge's V8 flags. */
  nodeFlags?: readonly string[];
  /** Give up (and kill the process) when it is not ready by then. Default 60 000 ms. */
  readyTimeoutMs?: number;
}

/**
 * Runs `file` (relative to the repository root) with `node --require tsx/cjs` and `env` on top of
 * this process's environment, at log level info. `ready` sees each stdout line and returns the
 * service's port once the line says it listens; the start fails if the process exits first.
 * stderr is passed through; stdout is drained after the readiness line.
 */
export function startService(
  file: string,
  env: Record<string, string>,
  ready: (line: string) => number | undefined,
  opts: StartServiceOptions = {},
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), '--require', 'tsx/cjs', join(REPO_ROOT, file)], {
    env: { ...process.env, ...env, PUSHWIRE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: REPO_ROOT,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} was not ready within ${opts.readyTimeoutMs ?? 60_000} ms`));
    }, opts.readyTimeoutMs ?? 60_000);
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        const port = ready(line);
        if (port) {
          clearTimeout(timer);
          child.stdout!.removeAllListeners('data');
          child.stdout!.resume();
          resolve({ child, port });
          return;
        }
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code ?? signal} before it was ready`));
    });
  });
}

/**
 * Starts the registry service (apps/registry) on a free loopback port; `env` adds to or overrides
 * its configuration (e.g. PUSHWIRE_REGISTRY_STORE). Resolves once it logs `registry listening`.
 */
export function startRegistry(serviceToken: string, env: Record<string, string> = {}, opts: StartServiceOptions = {}): Promise<ServiceProcess> {
  return startService('apps/registry/src/main.ts', {
    PUSHWIRE_REGISTRY_PORT: '0', PUSHWIRE_REGISTRY_HOST: '127.0.0.1', PUSHWIRE_SERVICE_TOKEN: serviceToken, ...env,
  }, (line) => {
    if (!line.includes('registry listening')) return undefined;
    return Number(new URL((JSON.parse(line) as { api: string }).api).port);
  }, opts);
}
