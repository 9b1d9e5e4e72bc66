import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

/** Repository root: services run from here so their tsconfig paths resolve. */
export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** One service of the cluster: which main.ts to run, with what, and how to tell it is ready. */
export interface ServiceSpec {
  /** Short name used as the output prefix: `registry`, `edge-1`. */
  readonly name: string;
  /**
   * The service's entry point, relative to `cwd` (e.g. apps/registry/src/main.ts), run through tsx;
   * a `.js` main (a production bundle, dist/registry.js) runs with plain node.
   */
  readonly main: string;
  /** Directory the process runs in (default: the repository root). */
  readonly cwd?: string;
  readonly env: Record<string, string>;
  /** Node flags before the script (the edge's EDGE_NODE_FLAGS). */
  readonly nodeFlags?: readonly string[];
  /** Polled until it answers 2xx: the service is up. */
  readonly readyUrl: string;
  readonly readyTimeoutMs?: number;
}

/** Where the services' output lines go, tagged with the service name. */
export type OutputSink = (service: string, line: string) => void;

/** How a process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const LAST_LINES = 30;
const alive = new Set<ChildProcess>();
// Services run in their own process groups (so Ctrl-C reaches only the launcher, which stops them in
// order); if the launcher dies some other way they must not outlive it holding the ports.
process.on('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

/**
 * A service running as a child process (`node [flags] --require tsx/cjs <main>`, or `node [flags] <main.js>`). Start resolves
 * once the ready URL answers and rejects with the service's last output if it exits first. The
 * same spec can be started again after it stopped (the edge restart tests do).
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private exit?: Promise<Exit>;
  private lastExitValue?: Exit;
  private readonly lastLines: string[] = [];

  constructor(
    readonly spec: ServiceSpec,
    private readonly output: OutputSink = () => undefined,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How the last process ended, once one has. */
  get lastExit(): Exit | undefined {
    return this.lastExitValue;
  }

  /** Resolves when the current process exits (at once when none runs). */
  exited(): Promise<Exit> {
    return this.exit ?? Promise.resolve({ code: null, signal: null });
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    this.lastLines.length = 0;
    const cwd = this.spec.cwd ?? REPO_ROOT;
    const loader = this.spec.main.endsWith('.js') ? [] : ['--require', require.resolve('tsx/cjs')];
    const args = [...(this.spec.nodeFlags ?? []), ...loader, path.join(cwd, this.spec.main)];
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    alive.add(child);
    this.exit = once(child, 'exit').then(([code, signal]) => {
      alive.delete(child);
      this.lastExitValue = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      return this.lastExitValue;
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lastLines.push(line);
        if (this.lastLines.length > LAST_LINES) this.lastLines.shift();
        this.output(this.name, line);
      });
    }
    await this.waitUntilReady();
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<Exit> {
    const child = this.child;
    if (!child || !this.running) return this.exited();
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited();
    } finally {
      clearTimeout(timer);
    }
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + (this.spec.readyTimeoutMs ?? 60_000);
    let exit: Exit | undefined;
    void this.exit!.then((e) => (exit = e));
    while (Date.now() < deadline) {
      if (exit)
        throw new Error(
          `${this.name} exited (${exit.signal ?? `code ${exit.code}`}) before it was ready. Its last output:\n${this.lastLines.join('\n')}`,
        );
      try {
        const res = await fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(1_000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await delay(100);
    }
    await this.stop('SIGKILL');
    throw new Error(
      `${this.name} was not ready at ${this.spec.readyUrl} within ${this.spec.readyTimeoutMs ?? 60_000} ms. Its last output:\n${this.lastLines.join('\n')}`,
    );
  }
}
