/**
 * @pushwire/push-client — the backend library for direct push: send a message to a device, or to
 * every device of an account, now and get its delivery status back.
 */
export { PushClient, type SendManyItem } from './push-client';
export { PushClientError, type PushClientErrorCode } from './errors';
export type { AccountSendResult, PushClientOptions, SendOptions, SendResult } from './options';
