import { buildServiceApp } from './http-service-app';
import { silentLogger } from './logger';
import { createMetricsRegistry } from './metrics';
import { Readiness } from './readiness';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildInfo } from './build-info';

describe('/readyz with dependency checks', () => {
  let storeUp = true;
  let busCalls = 0;
  const app = buildServiceApp({
    title: 't',
    description: 'd',
    logger: silentLogger(),
    metricsRegistry: createMetricsRegistry('test', false),
    readiness: [
      { dependency: 'widget-store', check: async () => (storeUp ? undefined : Promise.reject(new Error('connection refused'))) },
      { dependency: 'event-bus', check: () => (busCalls++, undefined) },
    ],
  });
  afterAll(() => app.close());

  it('is ready while every dependency answers', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect([res.statusCode, res.json()]).toEqual([200, { status: 'ready' }]);
  });

  it('reuses a verdict for cacheMs, then sees the dependency back', async () => {
    const clock = { t: 0 };
    const readiness = new Readiness(
      [{ dependency: 'widget-store', check: async () => (storeUp ? undefined : Promise.reject(new Error('connection refused'))) }],
      { now: () => clock.t },
    );
    storeUp = false;
    expect(await readiness.failing()).toEqual([{ dependency: 'widget-store', reason: 'connection refused' }]);
    storeUp = true;
    expect(await readiness.failing()).toHaveLength(1); // the verdict is shared for cacheMs
    clock.t += 1000;
    expect(await readiness.failing()).toEqual([]);
  });

  it('answers 503 with a JSON body naming the failing dependency', async () => {
    const down = buildServiceApp({
      title: 't',
      description: 'd',
      logger: silentLogger(),
      metricsRegistry: createMetricsRegistry('test', false),
      readiness: [
        { dependency: 'widget-store', check: () => Promise.reject(new Error('connection refused')) },
        { dependency: 'event-bus', check: () => undefined },
        { dependency: 'consumer-group', check: () => 'not a member of the group' },
      ],
    });
    const res = await down.inject({ method: 'GET', url: '/readyz' });
    await down.close();
    expect([res.statusCode, res.json()]).toEqual([
      503,
      {
        status: 'not_ready',
        failing: [
          { dependency: 'widget-store', reason: 'connection refused' },
          { dependency: 'consumer-group', reason: 'not a member of the group' },
        ],
      },
    ]);
  });

  it('fails a check that does not answer in time, naming it', async () => {
    const readiness = new Readiness([{ dependency: 'slow-store', check: () => new Promise<undefined>(() => undefined) }], {
      timeoutMs: 20,
    });
    expect(await readiness.failing()).toEqual([{ dependency: 'slow-store', reason: 'no answer within 20 ms' }]);
  });

  it('runs each check once for probes arriving together', async () => {
    const before = busCalls;
    const readiness = new Readiness([{ dependency: 'event-bus', check: () => (busCalls++, undefined) }]);
    await Promise.all([readiness.failing(), readiness.failing(), readiness.failing()]);
    expect(busCalls - before).toBe(1);
  });
});

describe('pushwire_build_info', () => {
  const version = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;

  it('is 1 on every service registry, with the package version and the Node.js version', async () => {
    const text = await createMetricsRegistry('registry', false).metrics();
    expect(text).toContain(`pushwire_build_info{version="${version}",commit="",node="${process.version}",service="registry"} 1`);
  });

  it('takes the version and the commit from the environment when the image build sets them', () => {
    expect(buildInfo({ PUSHWIRE_VERSION: '1.2.3', PUSHWIRE_COMMIT: 'abc123' })).toEqual({
      version: '1.2.3',
      commit: 'abc123',
      node: process.version,
    });
    expect(buildInfo({}).version).toBe(version);
  });
});
