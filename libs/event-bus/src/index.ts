/** @pushwire/event-bus — the small event-bus interface (Kafka and in-memory adapters). */
export * from './event-bus';
