import { Validator } from '../validation';
import { AccountNotice, AccountNoticeResult, DeviceConnectionEvent, DeviceListResponse } from './device-list';
import { DeadLetterRecord, PushOutcomeRecord, PushRequestRecord } from './push-queue';
import {
  DeliverRequest, Delivery, DeliveryBatch, DeregisterRequest, LeaseRequest, LookupRequest, PushMessage, RegisterRequest, DeliveryBatchResult,
  DeliveryResult, LookupResponse, Registration, LeaseResponse, RegisterResponse, DeregisterResponse, ErrorBody,
  AccountRegistrationsResponse,
  LeaseStatusRequest,
  LeaseStatusResponse,
} from './internal-api';

/** Compiled validators for every internal API body, shared by servers (requests) and clients (responses). */
export const Validators = {
  pushMessage: new Validator(PushMessage, 'push message'),
  deliverRequest: new Validator(DeliverRequest, 'deliver request'),
  delivery: new Validator(Delivery, 'delivery'),
  deliveryBatch: new Validator(DeliveryBatch, 'delivery batch'),
  deliveryResult: new Validator(DeliveryResult, 'delivery result'),
  deliveryBatchResult: new Validator(DeliveryBatchResult, 'delivery batch result'),
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
  pushRequestRecord: new Validator(PushRequestRecord, 'push request record'),
  pushOutcomeRecord: new Validator(PushOutcomeRecord, 'push outcome record'),
  deadLetterRecord: new Validator(DeadLetterRecord, 'dead-letter record'),
  deviceConnectionEvent: new Validator(DeviceConnectionEvent, 'device connection event'),
  deviceListResponse: new Validator(DeviceListResponse, 'device list response'),
  accountNotice: new Validator(AccountNotice, 'account notice'),
  accountNoticeResult: new Validator(AccountNoticeResult, 'account notice result'),
} as const;
