/**
 * @pushwire/protocol/core — the schema-free part of the protocol, for code that runs in browsers
 * (the device SDK): the catalogue of codes, the error classes, the wire rules and limits, the
 * hand-written frame checks (readServerFrame, checkClientFrame), and every type. Nothing here
 * imports TypeBox: no `new Function` (pages whose CSP forbids eval) and none of its ~90 KB. The
 * main entry (`@pushwire/protocol`) re-exports all of this next to the schemas and compiled validators.
 */
export * from './pushwire-error';
export * from './validation-error';
export * from './json-depth';
export type { Check, OptionalCheck } from './checks';
export * from './v1/codes';
export * from './v1/wire-rules';
export * from './v1/frame-checks';
export * from './v1/read-frames';
export type { DeviceId, AccountId, DeviceRef, ConnectionId, MessageId, RequestId, EdgeId, Priority } from './v1/ids';
export type {
  ClientFrame,
  ClientFrameOf,
  ClientFrameType,
  DeviceInfo,
  ServerFrame,
  ServerFrameOf,
  ServerFrameType,
} from './v1/device-frames';
export type { TopicName, TopicPattern, TopicPosition } from './v1/topics';
