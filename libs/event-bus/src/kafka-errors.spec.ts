import {
  KafkaJSAggregateError,
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { PushwireError } from '@pushwire/protocol';
import { EventBusError } from './event-bus';
import { kafkaError } from './kafka-errors';

const BROKERS = '127.0.0.1:1';
const refused = () =>
  new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1', { broker: BROKERS, code: 'ECONNREFUSED' });
/** A protocol error as kafkajs builds it from a broker's answer (its `retriable` comes from Kafka's error table). */
const protocolError = (type: string, code: number, retriable: boolean) =>
  new KafkaJSProtocolError(Object.assign(new Error(`${type} from the broker`), { type, code, retriable }));

describe('kafkaError', () => {
  it('keeps a broker it gave up on as retriable, with the kafkajs error as cause and the innermost one named', () => {
    const gaveUp = new KafkaJSNumberOfRetriesExceeded(refused(), { retryCount: 5, retryTime: 2_000 });
    expect(gaveUp.retriable).toBe(false); // kafkajs' flag for its own retriers, not for ours

    const e = kafkaError(gaveUp, 'publish 1 record(s) to t', BROKERS);
    expect(e).toBeInstanceOf(EventBusError);
    expect(e).toBeInstanceOf(PushwireError);
    expect([e.code, e.retriable, e.cause]).toEqual(['queue_unavailable', true, gaveUp]);
    expect(e.message).toBe(
      `publish 1 record(s) to t failed on Kafka (brokers ${BROKERS}): KafkaJSNumberOfRetriesExceeded: ` +
        'Connection error: connect ECONNREFUSED 127.0.0.1:1, caused by KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it("carries kafkajs' own flag: a connection error is retriable, a refused authorization is not", () => {
    expect(kafkaError(refused(), 'ensureTopics t', BROKERS).retriable).toBe(true);
    expect(kafkaError(protocolError('LEADER_NOT_AVAILABLE', 5, true), 'publish', BROKERS).retriable).toBe(true);

    const denied = new KafkaJSNonRetriableError(protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false));
    const e = kafkaError(denied, 'publish 1 record(s) to t', BROKERS);
    expect([e.retriable, e.cause]).toEqual([false, denied]);
  });

  it('keeps a give-up wrapped by an outer retrier as retriable (a send that reconnected to a broker still down)', () => {
    // kafkajs' retrier, given the inner retrier's KafkaJSNumberOfRetriesExceeded, rejects with this
    // (its typings leave out the constructor's second argument, the cause).
    const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, meta: { cause: Error }) => KafkaJSNonRetriableError;
    const wrapped = new NonRetriable(new KafkaJSNumberOfRetriesExceeded(refused(), { retryCount: 5, retryTime: 2_000 }), {
      cause: refused(),
    });
    expect(wrapped.retriable).toBe(false);
    expect(kafkaError(wrapped, 'publish 1 record(s) to t', BROKERS).retriable).toBe(true);

    const permanent = protocolError('MESSAGE_TOO_LARGE', 10, false);
    expect(kafkaError(new NonRetriable(permanent, { cause: permanent }), 'publish', BROKERS).retriable).toBe(false);
  });

  it('takes an aggregate as retriable only when every part is', () => {
    const retriable = new KafkaJSAggregateError('Topic creation errors', [protocolError('REQUEST_TIMED_OUT', 7, true)]);
    const mixed = new KafkaJSAggregateError('Topic creation errors', [
      protocolError('REQUEST_TIMED_OUT', 7, true),
      protocolError('INVALID_REPLICATION_FACTOR', 38, false),
    ]);
    expect(kafkaError(retriable, 'ensureTopics t', BROKERS).retriable).toBe(true);
    expect(kafkaError(mixed, 'ensureTopics t', BROKERS).retriable).toBe(false);
  });

  it('does not retry what kafkajs never flagged, and passes an EventBusError through as it is', () => {
    expect(kafkaError(new TypeError('x is not a function'), 'publish', BROKERS).retriable).toBe(false);
    const own = new EventBusError('publish: the Kafka event bus is closed');
    expect(kafkaError(own, 'publish', BROKERS)).toBe(own);
  });
});
