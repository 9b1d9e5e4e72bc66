import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BUNDLES, startCommand } from './bundles';
import { WORKSPACE_ROOT } from './build';

// What the Docker files promise, checked without a Docker engine (these machines have none): the
// compose file is validated by docker-compose itself and read for what a user relies on.

interface ComposeService {
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
  ports?: string[];
  profiles?: string[];
}

const read = (file: string) => readFileSync(join(WORKSPACE_ROOT, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const bundleOf: Record<string, string> = {
  edge: 'push-edge',
  registry: 'registry',
  'message-processor': 'message-processor',
  'device-list': 'device-list',
};
const bundle = (name: string) => BUNDLES.find((b) => b.name === name)!;

describe('docker-compose.yml', () => {
  it('is valid for docker-compose (`docker-compose config -q`)', () => {
    const result = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: WORKSPACE_ROOT, encoding: 'utf8' });
    if (result.error)
      throw new Error(
        `docker-compose is not installed (${result.error.message}): apt-get install docker-compose (Debian; .ci/run does it)`,
      );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('health-checks every long-running service, and each starts only once what it depends on is healthy', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.profiles?.includes('tools')) continue;
      expect({ name, healthChecked: Boolean(service.healthcheck?.test?.length) }).toEqual({ name, healthChecked: true });
      expect(Array.isArray(service.depends_on)).toBe(false);
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect({ name, dependency, condition }).toEqual({ name, dependency, condition: 'service_healthy' });
        expect(compose.services[dependency]?.healthcheck?.test).toBeDefined();
      }
    }
  });

  it('runs each Pushwire service from its bundle with its node flags, health-checked on its own port, and publishes only the device port', () => {
    for (const [name, file] of Object.entries(bundleOf)) {
      const service = compose.services[name]!;
      expect({ name, command: service.command }).toEqual({ name, command: startCommand(bundle(file)) });
      expect(service.environment?.PUSHWIRE_HEALTHCHECK_URL).toBe(`http://127.0.0.1:${bundle(file).healthPort}/healthz`);
    }
    expect(compose.services.edge!.command).toContain('--max-semi-space-size=1');
    const published = Object.entries(compose.services).filter(([, s]) => s.ports?.length);
    expect(published).toEqual([['edge', expect.objectContaining({ ports: ['${PUSHWIRE_PUBLISH_HOST:-127.0.0.1}:8080:8080'] })]]);
    expect(compose.services.pushctl!.entrypoint).toEqual(startCommand(bundle('pushctl')));
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const lines = dockerfile.split('\n').filter((l) => !l.startsWith('#'));
  const stage = (name: string) => dockerfile.slice(dockerfile.indexOf(`AS ${name}`)).split(/\nFROM /)[0]!;

  it('installs production dependencies from the manifest and lock alone, before any source is copied', () => {
    const install = lines.findIndex((l) => l.includes('npm ci --omit=dev'));
    const firstSource = lines.findIndex((l) => /^COPY (libs|apps|tools) /.test(l));
    expect(install).toBeGreaterThan(-1);
    expect(install).toBeLessThan(firstSource);
    // The manifest, the lock, and the one script that prunes the uWS binaries: no source.
    expect(stage('deps').match(/^COPY .*$/gm)).toEqual([
      'COPY package.json package-lock.json ./',
      'COPY tools/scripts/prune-uws-binaries.js /tmp/',
    ]);
  });

  it('ships only the bundles and the production node_modules, runs as a non-root user, and checks /healthz', () => {
    const runtime = stage('runtime');
    expect(runtime.match(/^COPY .*$/gm)).toEqual([
      'COPY package.json LICENSE ./',
      'COPY --from=deps /pushwire/node_modules node_modules',
      'COPY --from=build /pushwire/dist dist',
    ]);
    expect(stage('build')).toContain('RUN npm run build');
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*CMD \["node", "-e", ".*\/healthz/ms);
    expect(runtime).toContain(`CMD ${JSON.stringify(startCommand(bundle('all-in-one'))).replaceAll(',', ', ')}`);
  });

  it('keeps local node_modules, dist and the git history out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', 'dist', '.git']));
  });
});
