import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('resolves with the first truthy value, sync or async, checking until then', async () => {
    let calls = 0;
    await expect(waitFor(() => ++calls >= 3 && 'ready', { what: 'three calls', intervalMs: 1 })).resolves.toBe('ready');
    expect(calls).toBe(3);
    let asyncCalls = 0;
    await expect(
      waitFor(async () => (++asyncCalls >= 2 ? { n: asyncCalls } : undefined), { what: 'two calls', intervalMs: 1 }),
    ).resolves.toEqual({ n: 2 });
  });

  it('checks at once, without a first pause', async () => {
    const started = Date.now();
    await waitFor(() => true, { what: 'nothing', intervalMs: 1_000 });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('rejects after the timeout with a message naming what it waited for and how long', async () => {
    const started = Date.now();
    let calls = 0;
    await expect(
      waitFor(
        () => {
          calls++;
          return false;
        },
        { what: 'the device to be registered', timeoutMs: 100, intervalMs: 10 },
      ),
    ).rejects.toThrow('timed out after 100 ms waiting for the device to be registered');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(calls).toBeGreaterThan(2);
  });

  it('fails at once when a check throws, unless told to retry errors; then the last one is the cause', async () => {
    const boom = new Error('connection refused');
    let calls = 0;
    const throwing = () => {
      calls++;
      throw boom;
    };
    await expect(waitFor(throwing, { what: 'a service', timeoutMs: 1_000 })).rejects.toBe(boom);
    expect(calls).toBe(1);

    const err = await waitFor(throwing, { what: 'a service', timeoutMs: 50, intervalMs: 5, retryErrors: true }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('timed out after 50 ms waiting for a service (last check threw: connection refused)');
    expect((err as Error).cause).toBe(boom);
    expect(calls).toBeGreaterThan(2);
  });

  it('with retryErrors, resolves once a check that threw succeeds', async () => {
    let calls = 0;
    const flaky = async () => {
      if (++calls < 3) throw new Error('not yet listening');
      return 'up';
    };
    await expect(waitFor(flaky, { what: 'the service', intervalMs: 1, retryErrors: true })).resolves.toBe('up');
  });
});
