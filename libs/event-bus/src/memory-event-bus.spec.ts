import type { HandlerRejection } from './redelivery-backoff';
import { MemoryEventBus } from './memory-event-bus';
import { describeEventBusContract, Inbox } from './testing';

describeEventBusContract('MemoryEventBus', async () => new MemoryEventBus());

describe('MemoryEventBus', () => {
  it('tells onHandlerRejected of every rejection: which batch, which attempt, how long until it comes again', async () => {
    const rejections: HandlerRejection[] = [];
    const bus = new MemoryEventBus({
      onHandlerRejected: (r) => rejections.push(r),
      redeliveryBackoff: { initialMs: 4, maxMs: 4 },
      now: () => 42,
    });
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    await bus.publish('t', [{ key: 'k', value: 'v' }]);
    const inbox = new Inbox();
    await bus.subscribe({ groupId: 'g', topics: ['t'], handler: inbox.failingFirst(2) });

    const [record] = await inbox.until(1);
    expect(record.timestamp).toBe(42);
    const error = new Error('downstream down');
    expect(rejections).toEqual(
      [1, 2].map((attempt) => ({
        groupId: 'g',
        topic: 't',
        partition: 0,
        firstOffset: '0',
        records: 1,
        attempt,
        delayMs: expect.any(Number),
        error,
      })),
    );
    expect(rejections.every((r) => r.delayMs >= 2 && r.delayMs <= 4)).toBe(true);
    await bus.close();
  });
});
