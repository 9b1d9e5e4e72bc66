import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { BUNDLES, WORKSPACE_ROOT, type BundleSpec } from '../src';
import { ServiceProcess, type ServiceSpec } from '@pushwire/cluster';
import { freePorts } from '@pushwire/infra';
import { DEV_DEFAULTS } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import { diskBytes, productionInstall, rssBytes, type ProductionInstall } from './production-install';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const runId = `${process.pid}-${Date.now()}`;
const TOKENS = {
  PUSHWIRE_SENDER_TOKENS: DEV_DEFAULTS.serviceToken,
  PUSHWIRE_EDGE_TOKENS: DEV_DEFAULTS.edgeToken,
  PUSHWIRE_SERVICE_TOKEN: '',
  PUSHWIRE_JWT_SECRET: DEV_DEFAULTS.jwtSecret,
  PUSHWIRE_LOG_LEVEL: 'warn',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

const spec = (name: string): BundleSpec => BUNDLES.find((b) => b.name === name)!;

/** What the test measured, written to .pushwire/production-install.json and printed. */
const figures: Record<string, unknown> = {};
const started: ServiceProcess[] = [];
let install: ProductionInstall;

/** Starts dist/<bundle>.js from the scratch install with plain node and its flags; records start time and RSS. */
async function startBundle(bundle: string, readyUrl: string, env: Record<string, string>, as = bundle): Promise<ServiceProcess> {
  const b = spec(bundle);
  const service: ServiceSpec = {
    name: as,
    main: `dist/${b.name}.js`,
    cwd: install.dir,
    nodeFlags: b.nodeFlags,
    readyUrl,
    env: { ...TOKENS, ...env },
  };
  const process_ = new ServiceProcess(service);
  started.push(process_);
  const t0 = performance.now();
  await process_.start();
  figures[`${as} start to /readyz (ms)`] = Math.round(performance.now() - t0);
  figures[`${as} RSS when ready (MiB)`] = +(rssBytes(process_.pid!) / 2 ** 20).toFixed(1);
  const res = await fetch(readyUrl);
  expect(res.status).toBe(200);
  return process_;
}

/** Free loopback ports for an all-in-one process, and the env that gives them to it. */
async function allInOnePorts() {
  const [edge, internal, registry, processor, deviceList] = await freePorts(5);
  const env = {
    PUSHWIRE_HOST: HOST,
    PUSHWIRE_EDGE_PORT: String(edge),
    PUSHWIRE_EDGE_INTERNAL_PORT: String(internal),
    PUSHWIRE_REGISTRY_PORT: String(registry),
    PUSHWIRE_PROCESSOR_PORT: String(processor),
    PUSHWIRE_DEVICE_LIST_PORT: String(deviceList),
  };
  return { edge: edge!, internal: internal!, registry: registry!, env };
}

/** Runs `npx pushctl` in the production install: package.json's bin entry, dist/pushctl.js. */
const pushctl = (args: string[], env: Record<string, string>) =>
  run('npx', ['--no-install', 'pushctl', ...args], { cwd: install.dir, env: { ...process.env, ...TOKENS, ...env }, timeout: 30_000 });

beforeAll(async () => {
  install = await productionInstall();
  figures['npm run build (ms)'] = Math.round(install.buildMs);
  figures['npm ci --omit=dev (ms)'] = Math.round(install.installMs);
}, 170_000);

afterAll(async () => {
  // Every process this file started, newest first (the edge before the registry it registers in).
  for (const p of started.reverse()) await p.stop('SIGTERM', 10_000);
  if (install) rmSync(install.dir, { recursive: true, force: true });
  mkdirSync(join(WORKSPACE_ROOT, '.pushwire'), { recursive: true });
  writeFileSync(join(WORKSPACE_ROOT, '.pushwire/production-install.json'), `${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write(`production install figures:\n${JSON.stringify(figures, null, 2)}\n`);
}, 60_000);

describe('npm run build, then npm ci --omit=dev in a copy: every service runs from dist/ with plain node', () => {
  it('installs only production packages: no tsx, no esbuild, but the native uWebSockets.js binary the edge loads (the others pruned, as in the image)', async () => {
    const modules = join(install.dir, 'node_modules');
    expect(existsSync(join(modules, 'tsx'))).toBe(false);
    expect(existsSync(join(modules, 'esbuild'))).toBe(false);
    expect(existsSync(join(modules, `uWebSockets.js/binaries/uws_linux_${process.arch}_${process.versions.modules}.node`))).toBe(true);
    const full = await diskBytes(join(WORKSPACE_ROOT, 'node_modules'));
    figures['node_modules full npm ci (MB)'] = Math.round(full / 1e6);
    figures['node_modules npm ci --omit=dev (MB)'] = Math.round(install.installedBytes / 1e6);
    figures['node_modules as in the image, one uWS binary (MB)'] = Math.round(install.prunedBytes / 1e6);
    figures['dist/ (MB)'] = Math.round((await diskBytes(join(install.dir, 'dist'))) / 1e6);
    expect(install.installedBytes).toBeLessThan(full / 2);
    expect(install.prunedBytes).toBeLessThan(install.installedBytes / 2);
  });

  it('the all-in-one bundle answers /readyz, and pushctl from dist (its bin entry) delivers a push to a device through it', async () => {
    const { edge, internal, registry, env } = await allInOnePorts();
    await startBundle('all-in-one', `http://${HOST}:${internal}/readyz`, env);
    const endpoints = { PUSHWIRE_EDGE_URL: `http://${HOST}:${edge}`, PUSHWIRE_REGISTRY_URL: `http://${HOST}:${registry}` };

    const listener = spawn(join(install.dir, 'dist/pushctl.js'), ['listen', '--account', 'a1', '--device', 'tv-dist', '--count', '1'], {
      cwd: install.dir,
      env: { ...process.env, ...TOKENS, ...endpoints },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const frames: { type?: string; payload?: unknown }[] = [];
    createInterface({ input: listener.stdout }).on('line', (line) => frames.push(JSON.parse(line) as { type?: string }));
    try {
      await waitFor(() => frames.some((f) => f.type === 'welcome'), {
        what: 'pushctl listen (dist) welcomed by the edge',
        timeoutMs: 20_000,
      });
      const { stdout } = await pushctl(['send', '--device', 'tv-dist', '--data', '{"hello":"dist"}'], endpoints);
      expect(JSON.parse(stdout)).toMatchObject({ deviceId: 'tv-dist', status: 'delivered' });
      await waitFor(() => frames.find((f) => f.type === 'push'), { what: 'the push printed by pushctl listen', timeoutMs: 10_000 });
      expect(frames.find((f) => f.type === 'push')).toMatchObject({ payload: { hello: 'dist' } });
    } finally {
      listener.kill('SIGTERM');
    }
  });

  it('registry (memory store), edge, device list and message processor each start alone from dist/ and answer /readyz 200', async () => {
    const kafka = process.env.KAFKA_BROKERS!;
    const [registry, edge, internal, deviceList, processor] = await freePorts(5);
    const registryUrl = `http://${HOST}:${registry}`;
    await startBundle('registry', `${registryUrl}/readyz`, {
      PUSHWIRE_REGISTRY_HOST: HOST,
      PUSHWIRE_REGISTRY_PORT: String(registry),
      PUSHWIRE_REGISTRY_STORE: 'memory',
    });
    await startBundle('push-edge', `http://${HOST}:${internal}/readyz`, {
      PUSHWIRE_EDGE_HOST: HOST,
      PUSHWIRE_EDGE_PORT: String(edge),
      PUSHWIRE_EDGE_INTERNAL_PORT: String(internal),
      PUSHWIRE_EDGE_ID: `edge-dist-${runId}`,
      PUSHWIRE_REGISTRY_URL: registryUrl,
      PUSHWIRE_EDGE_DRAIN_SECONDS: '0',
      KAFKA_BROKERS: kafka,
    });
    await startBundle('device-list', `http://${HOST}:${deviceList}/readyz`, {
      PUSHWIRE_DEVICE_LIST_HOST: HOST,
      PUSHWIRE_DEVICE_LIST_PORT: String(deviceList),
      PUSHWIRE_DEVICE_LIST_STORE: 'memory',
      PUSHWIRE_DEVICE_LIST_GROUP_ID: `pushwire-test-dist-devices-${runId}`,
      PUSHWIRE_REGISTRY_URL: registryUrl,
      KAFKA_BROKERS: kafka,
    });
    await startBundle('message-processor', `http://${HOST}:${processor}/readyz`, {
      PUSHWIRE_PROCESSOR_HOST: HOST,
      PUSHWIRE_PROCESSOR_PORT: String(processor),
      PUSHWIRE_PROCESSOR_GROUP_ID: `pushwire-test-dist-${runId}`,
      PUSHWIRE_REGISTRY_URL: registryUrl,
      KAFKA_BROKERS: kafka,
    });
    // The edge registered its lease in the registry started from the other bundle.
    expect(started.filter((p) => p.running).length).toBeGreaterThanOrEqual(4);
  });

  it('records the all-in-one started through tsx (as `npm start` does) next to the bundle', async () => {
    const { internal, env } = await allInOnePorts();
    const dev = new ServiceProcess({
      name: 'all-in-one (tsx)',
      main: 'apps/all-in-one/src/main.ts',
      readyUrl: `http://${HOST}:${internal}/readyz`,
      nodeFlags: spec('all-in-one').nodeFlags,
      env: { ...TOKENS, ...env },
    });
    started.push(dev);
    const t0 = performance.now();
    await dev.start();
    figures['all-in-one (tsx) start to /readyz (ms)'] = Math.round(performance.now() - t0);
    figures['all-in-one (tsx) RSS when ready (MiB)'] = +(rssBytes(dev.pid!) / 2 ** 20).toFixed(1);
    expect(dev.running).toBe(true);
  });
});
