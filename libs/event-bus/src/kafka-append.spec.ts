import { EventBusError } from './event-bus';
import { positionsOf } from './kafka-append';

describe('positionsOf', () => {
  const answer = (partition: number, baseOffset?: string) => ({ topicName: 't', partition, errorCode: 0, baseOffset });

  it("gives each message of a partition the next offset from Kafka's base offset, in the order sent", () => {
    const sent = [0, 1, 0, 0, 1].map((partition, i) => ({ key: `k${i}`, value: 'v', partition }));
    expect(positionsOf('t', sent, [answer(1, '7'), answer(0, '9007199254740993')])).toEqual([
      { partition: 0, offset: '9007199254740993' },
      { partition: 1, offset: '7' },
      { partition: 0, offset: '9007199254740994' },
      { partition: 0, offset: '9007199254740995' },
      { partition: 1, offset: '8' },
    ]);
  });

  it('refuses to guess when Kafka answered no offset for a partition', () => {
    expect(() => positionsOf('t', [{ key: 'k', value: 'v', partition: 2 }], [answer(2)])).toThrow(EventBusError);
  });
});
