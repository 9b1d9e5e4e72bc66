/**
 * `@pushwire/push-client/kafka` — the event bus that indirect push, topics and broadcast publish to
 * in a cluster: a KafkaEventBus to give PushClient as its `bus`. A separate entry so that the main
 * one (direct push) never loads kafkajs: only a program that imports this needs it installed. The
 * EventBus interface and EventBusError are the main entry's (one class for both entries).
 *
 * ```ts
 * import { PushClient } from '@pushwire/push-client';
 * import { KafkaEventBus } from '@pushwire/push-client/kafka';
 * const bus = new KafkaEventBus({ brokers: ['kafka:9092'], clientId: 'billing' });
 * const push = new PushClient({ registryUrl, serviceToken, bus });
 * ```
 */
export { KafkaEventBus, type KafkaConnection, type KafkaEventBusOptions, type KafkaEventBusTuning } from '@pushwire/event-bus';
