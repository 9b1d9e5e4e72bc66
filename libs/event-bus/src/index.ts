/** @pushwire/event-bus — the small event-bus interface with its Kafka and in-memory adapters. */
export * from './event-bus';
export { MemoryEventBus, type MemoryEventBusOptions } from './memory-event-bus';
export { KafkaEventBus, type KafkaConnection, type KafkaEventBusOptions, type KafkaEventBusTuning } from './kafka-event-bus';
export type { HandlerRejection, HandlerRejectionListener, RedeliveryBackoffOptions } from './redelivery-backoff';
export { deadLetterOf } from './dead-letter';
export { busReadinessChecks, type BusDependencyCheck } from './bus-readiness';
export type { TailRejection, TailRejectionListener } from './tail-options';
export type { SkippedRefetch, SkippedRefetchListener } from './uncommitted-records';
