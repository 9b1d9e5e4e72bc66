import { waitFor } from '@pushwire/test-kit';
import { startTestService, stopTestService, type TestService } from '../testing/test-service';

describe('message processor /readyz', () => {
  let t: TestService | undefined;
  afterEach(() => stopTestService(t));
  const readyz = async () => {
    const res = await fetch(`${t!.baseUrl}/readyz`);
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('is ready once the consumer joined its group on a bus that answers', async () => {
    t = await startTestService('processor-readiness-token');
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('answers 503 naming the bus and the consumer group when the bus is gone', async () => {
    t = await startTestService('processor-readiness-token');
    await t.bus.close();
    await waitFor(async () => (await readyz()).status === 503, { what: '/readyz 503', timeoutMs: 5000 });
    expect((await readyz()).body).toEqual({
      status: 'not_ready',
      failing: [
        { dependency: 'event-bus', reason: 'readiness check: the memory event bus is closed' },
        { dependency: 'consumer-group', reason: 'not a member of its consumer group (joining, crashed or stopped)' },
      ],
    });
  });
});
