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
