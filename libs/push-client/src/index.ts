/**
 * @pushwire/push-client — the backend library for push: direct (send a message to a device, or to
 * every device of an account, now and get its delivery status back) and indirect (enqueue it on the
 * event bus for the message processor), and topics and broadcast (publish to the topic log every edge reads).
 */
export { PushClient, type SendManyItem } from './push-client';
export { PushClientError, type PushClientErrorCode } from './errors';
export type { AccountSendResult, PushClientOptions, SendOptions, SendResult } from './options';
export type { EnqueueItem, EnqueueManyOptions, EnqueueManyResult, EnqueueOptions, EnqueueResult } from './enqueue';
export { DEFAULT_ENQUEUE_TIMEOUT_MS, DEFAULT_STORE_TTL_SECONDS } from './options';
export type { BroadcastOptions, PublishOptions, TopicLogBus } from './topic-publish';
export { isTopicLogBus } from './topic-publish';
export { payloadNeverFits } from './payload-limit';
// What the API's types name, so a user can name them too (and their declarations can): the error
// base class, the delivery statuses, and the event-bus interface `bus` takes (from the kafka-free
// core, so this entry never loads kafkajs; `@pushwire/push-client/kafka` has the Kafka adapter).
export { PushwireError, type DeliveryStatus, type PushTarget, type PublishResult, type BroadcastResult } from '@pushwire/protocol';
export {
  EventBusError,
  type BusMessage,
  type EventBus,
  type EventBusErrorCode,
  type EventLog,
  type ConsumedRecord,
  type TopicSpec,
  type BatchContext,
  type BatchHandler,
  type SubscribeOptions,
  type PartitionLag,
  type Subscription,
  type RecordPosition,
  type TailOptions,
  type Tail,
} from '@pushwire/event-bus/core';
