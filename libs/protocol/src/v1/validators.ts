import { Validator } from '../validation';
import { LinkAnswer, LinkRequest } from './edge-link';
import { itemPayloadsWithinDepth, payloadsWithinDepth, type PayloadAt } from './payload-depth';
import { BroadcastRequest, BroadcastResult, PublishRequest, PublishResult, TopicLogRecord } from './topics';
import { AccountNotice, AccountNoticeResult, DeviceConnectionEvent, DeviceListResponse } from './device-list';
import { MessageEventsParams, MessageEventsResponse } from './journal';
import { DeadLetterRecord, PushOutcomeRecord, PushRequestRecord } from './push-queue';
import {
  InboxEntry,
  InboxExpiredRequest,
  InboxExpiredResponse,
  InboxPendingRequest,
  InboxPendingResponse,
  InboxRemoveRequest,
  InboxRemoveResponse,
  InboxStoreRequest,
  InboxStoreResponse,
} from './inbox';
import {
  DeliverRequest,
  Delivery,
  DeliveryBatch,
  DeregisterRequest,
  LeaseRequest,
  LookupRequest,
  PushMessage,
  RegisterRequest,
  DeliveryBatchResult,
  DeliveryResult,
  LookupResponse,
  Registration,
  LeaseResponse,
  RegisterResponse,
  DeregisterResponse,
  ErrorBody,
  AccountRegistrationsResponse,
  LeaseStatusRequest,
  LeaseStatusResponse,
} from './internal-api';

const entryPayloads = (path: string, entries: readonly InboxEntry[]): PayloadAt[] =>
  entries.map((e, i) => [`${path}/${i}/message/payload`, e.message.payload]);

const messagePayload = payloadsWithinDepth((m: PushMessage): PayloadAt[] => [['/payload', m.payload]]);
const deliveryPayload = payloadsWithinDepth((d: Delivery): PayloadAt[] => [['/message/payload', d.message.payload]]);
const batchPayloads = itemPayloadsWithinDepth(
  (b: DeliveryBatch) => b.deliveries,
  (d) => d.message.payload,
  (i) => `/deliveries/${i}/message/payload`,
);

/**
 * Compiled validators for every internal API body, shared by servers (requests) and clients
 * (responses). Those of bodies that carry payloads also hold each payload to MAX_PAYLOAD_DEPTH.
 */
export const Validators = {
  messageEventsParams: new Validator(MessageEventsParams, 'message events path'),
  messageEventsResponse: new Validator(MessageEventsResponse, 'message events'),
  pushMessage: new Validator(PushMessage, 'push message', messagePayload),
  deliverRequest: new Validator(DeliverRequest, 'deliver request', (r) => ('deliveries' in r ? batchPayloads(r) : deliveryPayload(r))),
  delivery: new Validator(Delivery, 'delivery', deliveryPayload),
  deliveryBatch: new Validator(DeliveryBatch, 'delivery batch', batchPayloads),
  deliveryResult: new Validator(DeliveryResult, 'delivery result'),
  deliveryBatchResult: new Validator(DeliveryBatchResult, 'delivery batch result'),
  linkRequest: new Validator(LinkRequest, 'link request', batchPayloads),
  linkAnswer: new Validator(LinkAnswer, 'link answer'),
  registerRequest: new Validator(RegisterRequest, 'register request'),
  registerResponse: new Validator(RegisterResponse, 'register response'),
  deregisterRequest: new Validator(DeregisterRequest, 'deregister request'),
  deregisterResponse: new Validator(DeregisterResponse, 'deregister response'),
  lookupRequest: new Validator(LookupRequest, 'lookup request'),
  lookupResponse: new Validator(LookupResponse, 'lookup response'),
  registration: new Validator(Registration, 'registration'),
  accountRegistrationsResponse: new Validator(AccountRegistrationsResponse, 'account registrations response'),
  leaseRequest: new Validator(LeaseRequest, 'lease request'),
  leaseResponse: new Validator(LeaseResponse, 'lease response'),
  leaseStatusRequest: new Validator(LeaseStatusRequest, 'lease status request'),
  leaseStatusResponse: new Validator(LeaseStatusResponse, 'lease status response'),
  errorBody: new Validator(ErrorBody, 'error body'),
  pushRequestRecord: new Validator(
    PushRequestRecord,
    'push request record',
    payloadsWithinDepth((r: PushRequestRecord): PayloadAt[] => [['/message/payload', r.message.payload]]),
  ),
  pushOutcomeRecord: new Validator(PushOutcomeRecord, 'push outcome record'),
  deadLetterRecord: new Validator(DeadLetterRecord, 'dead-letter record'),
  inboxEntry: new Validator(
    InboxEntry,
    'inbox entry',
    payloadsWithinDepth((e: InboxEntry): PayloadAt[] => [['/message/payload', e.message.payload]]),
  ),
  inboxStoreRequest: new Validator(
    InboxStoreRequest,
    'inbox store request',
    payloadsWithinDepth((r: InboxStoreRequest) => entryPayloads('/entries', r.entries)),
  ),
  inboxStoreResponse: new Validator(InboxStoreResponse, 'inbox store response'),
  inboxPendingRequest: new Validator(InboxPendingRequest, 'inbox pending request'),
  inboxPendingResponse: new Validator(InboxPendingResponse, 'inbox pending response'),
  inboxRemoveRequest: new Validator(InboxRemoveRequest, 'inbox remove request'),
  inboxRemoveResponse: new Validator(InboxRemoveResponse, 'inbox remove response'),
  inboxExpiredRequest: new Validator(InboxExpiredRequest, 'inbox expired request'),
  inboxExpiredResponse: new Validator(InboxExpiredResponse, 'inbox expired response'),
  deviceConnectionEvent: new Validator(DeviceConnectionEvent, 'device connection event'),
  deviceListResponse: new Validator(DeviceListResponse, 'device list response'),
  accountNotice: new Validator(AccountNotice, 'account notice'),
  accountNoticeResult: new Validator(AccountNoticeResult, 'account notice result'),
  topicLogRecord: new Validator(
    TopicLogRecord,
    'topic log record',
    payloadsWithinDepth((r: TopicLogRecord): PayloadAt[] => [['/payload', r.payload]]),
  ),
  publishRequest: new Validator(
    PublishRequest,
    'publish request',
    payloadsWithinDepth((r: PublishRequest): PayloadAt[] => [['/payload', r.payload]]),
  ),
  publishResult: new Validator(PublishResult, 'publish result'),
  broadcastRequest: new Validator(
    BroadcastRequest,
    'broadcast request',
    payloadsWithinDepth((r: BroadcastRequest): PayloadAt[] => [['/payload', r.payload]]),
  ),
  broadcastResult: new Validator(BroadcastResult, 'broadcast result'),
} as const;
