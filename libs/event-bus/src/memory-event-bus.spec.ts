import { waitFor } from '@pushwire/test-kit';
import type { HandlerRejection } from './redelivery-backoff';
import type { TailRejection } from './tail-options';
import { MemoryEventBus } from './memory-event-bus';
import { describeEventBusContract, describeEventLogContract, Inbox } from './testing';

describeEventBusContract('MemoryEventBus', async () => new MemoryEventBus());
// Every reader of a memory log shares its bus: the log is the bus.
describeEventLogContract(
  'MemoryEventBus',
  async () => new MemoryEventBus({ onTailRejected: () => undefined }),
  async (bus) => bus,
);

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

  it('is another log per bus: two buses have different log ids, as two `npm start` runs have', async () => {
    const [a, b] = [new MemoryEventBus(), new MemoryEventBus()];
    expect(await a.logId()).not.toBe(await b.logId());
    await Promise.all([a.close(), b.close()]);
  });

  it('tells onTailRejected which records a tail handler rejected', async () => {
    const rejections: TailRejection[] = [];
    const bus = new MemoryEventBus({ onTailRejected: (r) => rejections.push(r) });
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    const error = new Error('feed broken');
    const tail = await bus.tail({
      topic: 't',
      handler: () => {
        throw error;
      },
    });
    await bus.append('t', [{ key: 'k', value: 'v' }]);
    await waitFor(() => rejections.length === 1, { what: 'the rejection to be reported' });
    expect(rejections).toEqual([{ topic: 't', partition: 0, firstOffset: '0', records: 1, error }]);
    await tail.stop();
    await bus.close();
  });
});
