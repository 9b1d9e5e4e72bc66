/**
 * Benchmarked services run in their own processes, started with the cluster's ServiceProcess (the
 * one launcher of the workspace) on free loopback ports, ready once their readiness URL answers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceProcess } from '@pushwire/cluster';
import { freePorts } from '@pushwire/infra';

/** A started service and the port it listens on. */
export interface StartedService {
  readonly process: ServiceProcess;
  readonly port: number;
  readonly pid: number;
}

/** How to start a service besides its file and environment. */
export interface StartServiceOptions {
  /** Node flags before `--require tsx/cjs`, e.g. `--expose-gc` or the edge's V8 flags. */
  nodeFlags?: readonly string[];
}

/** Service output goes to our stderr (the bench's tables go to stdout), tagged with the service name. */
export const toStderr = (service: string, line: string) => process.stderr.write(`[${service}] ${line}\n`);

/**
 * Runs `main` (relative to the repository root) on a free port: `env(port)` gives its environment,
 * `readyPath` the route that answers once it serves. Services log warnings only.
 */
export async function startService(
  name: string,
  main: string,
  env: (port: number) => Record<string, string>,
  readyPath: string,
  opts: StartServiceOptions = {},
): Promise<StartedService> {
  const [port] = await freePorts(1);
  const service = new ServiceProcess(
    {
      name,
      main,
      nodeFlags: opts.nodeFlags,
      env: { PUSHWIRE_LOG_LEVEL: 'warn', ...env(port!) },
      readyUrl: `http://127.0.0.1:${port}${readyPath}`,
    },
    toStderr,
  );
  await service.start();
  return { process: service, port: port!, pid: service.pid! };
}

/** Starts the registry service (apps/registry) on a free loopback port; `env` adds to or overrides its configuration. */
export function startRegistry(
  serviceToken: string,
  env: Record<string, string> = {},
  opts: StartServiceOptions = {},
): Promise<StartedService> {
  return startService(
    'registry',
    'apps/registry/src/main.ts',
    (port) => ({
      PUSHWIRE_REGISTRY_PORT: String(port),
      PUSHWIRE_REGISTRY_HOST: '127.0.0.1',
      ...benchServiceTokenEnv(serviceToken),
      ...env,
    }),
    '/readyz',
    opts,
  );
}

/** The secrets every bench gives the services it starts (loopback-only throwaway values). */
export const BENCH_SERVICE_TOKEN = 'bench-service-token-0123456789';
/** The edge-role token of the benches that start a cluster (BENCH_SERVICE_TOKEN is their senders'). */
export const BENCH_EDGE_TOKEN = 'bench-edge-token-0123456789';

/**
 * The env giving a bench's service one token for every role: benches run on loopback with
 * throwaway secrets, so they say so explicitly (services refuse a shared token otherwise).
 */
export const benchServiceTokenEnv = (token: string = BENCH_SERVICE_TOKEN): Record<string, string> => ({
  PUSHWIRE_SERVICE_TOKEN: token,
  PUSHWIRE_ALLOW_SHARED_SERVICE_TOKEN: 'true',
  PUSHWIRE_SENDER_TOKENS: '',
  PUSHWIRE_EDGE_TOKENS: '',
});
export const BENCH_JWT_SECRET = 'bench-jwt-secret-0123456789';

/** Node flags that let a bench ask a server for a full GC with SIGUSR2 (servers/gc-on-signal.cjs). */
export const GC_ON_SIGNAL_FLAGS: readonly string[] = ['--expose-gc', '--require', join(__dirname, 'servers/gc-on-signal.cjs')];

/** Asks a server started with GC_ON_SIGNAL_FLAGS for a full GC and gives it time to finish. */
export async function collectGarbage(pid: number): Promise<void> {
  process.kill(pid, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 1500));
}

/** A process's resident set size in bytes, from /proc. */
export const rssBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
