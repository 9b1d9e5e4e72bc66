import { buildServiceApp, storeUnavailableAs503 } from './http-service-app';
import { silentLogger } from './logger';
import { createMetricsRegistry } from './metrics';
import { StoreUnavailableError } from './store-unavailable';

describe('storeUnavailableAs503', () => {
  const app = buildServiceApp({
    title: 't',
    description: 'd',
    logger: silentLogger(),
    metricsRegistry: createMetricsRegistry('test', false),
    mapError: storeUnavailableAs503('widget'),
  });
  app.get('/down', async () => {
    throw new StoreUnavailableError('dynamodb timed out');
  });
  app.get('/broken', async () => {
    throw new Error('a bug');
  });
  afterAll(() => app.close());

  it('answers a store failure 503 store_unavailable with Retry-After: 1, naming the store', async () => {
    const res = await app.inject({ method: 'GET', url: '/down' });
    expect([res.statusCode, res.headers['retry-after']]).toEqual([503, '1']);
    expect(res.json()).toMatchObject({ error: { code: 'store_unavailable', message: 'widget store unavailable: dynamodb timed out' } });
  });

  it('leaves any other error to the common handling', async () => {
    const res = await app.inject({ method: 'GET', url: '/broken' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ error: { code: 'internal' } });
  });
});
