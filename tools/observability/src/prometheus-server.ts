import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@pushwire/infra';
import { waitFor } from '@pushwire/test-kit';
import { requireTool } from './prometheus-tools';

/** One scrape job: its name (the `job` label the rules match) and the base URLs serving /metrics. */
export interface ScrapeJob {
  readonly job: string;
  readonly urls: readonly string[];
}

export interface PrometheusOptions {
  readonly jobs: readonly ScrapeJob[];
  readonly ruleFiles: readonly string[];
  /** Scrape and rule evaluation interval. Default 1 s: a test wants series at once. */
  readonly intervalSeconds?: number;
  /** Longest wait for /-/ready. Default 30 s. */
  readonly startTimeoutMs?: number;
}

/** A result of an instant query: the series' labels and the value. */
export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** A running Prometheus, its HTTP API, and `stop()` (by pid; removes its data directory). */
export interface RunningPrometheus {
  readonly url: string;
  readonly pid: number;
  /** GET /api/v1/<path>: the `data` of a `success` answer; throws on an error answer. */
  api<T>(path: string): Promise<T>;
  /** An instant query's vector. */
  query(expr: string): Promise<Sample[]>;
  stop(): Promise<void>;
}

/** prometheus.yml for `jobs` and `ruleFiles`, every `intervalSeconds`. */
export function prometheusConfig(opts: PrometheusOptions): string {
  const every = `${opts.intervalSeconds ?? 1}s`;
  const lines = [
    'global:',
    `  scrape_interval: ${every}`,
    `  evaluation_interval: ${every}`,
    'rule_files:',
    ...opts.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`),
    'scrape_configs:',
  ];
  for (const { job, urls } of opts.jobs) {
    lines.push(`  - job_name: ${JSON.stringify(job)}`, '    static_configs:', '      - targets:');
    for (const url of urls) lines.push(`          - ${JSON.stringify(new URL(url).host)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Starts Debian's `prometheus` on a free loopback port with its own temporary data directory,
 * scraping `jobs` and evaluating `ruleFiles`, and resolves once it answers /-/ready. Fails with the
 * install hint when the binary is missing, and with its output when it exits while starting.
 */
export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  const binary = requireTool('prometheus');
  const dir = await mkdtemp(join(tmpdir(), 'pushwire-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, prometheusConfig(opts));
  const [port] = await freePorts(1);
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async () => {
    if (running && child.pid) {
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => running && child.pid && process.kill(child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      async () => {
        if (!running) throw new Error(`prometheus exited while starting:\n${output}`);
        return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true;
      },
      { what: `prometheus ready on ${url}`, timeoutMs: opts.startTimeoutMs ?? 30_000, intervalMs: 100 },
    );
  } catch (e) {
    await stop();
    throw e;
  }

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${path}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    url,
    pid: child.pid!,
    api,
    query: async (expr) => {
      const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `query?query=${encodeURIComponent(expr)}`,
      );
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    stop,
  };
}
