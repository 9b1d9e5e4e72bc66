/** Test helpers for senders of direct push (import path `@pushwire/push-client/testing`). */
export { FakeEdge, type FakeAnswer, type RecordedRequest } from '@pushwire/edge-client/testing';
export { topicLogRecords } from './topic-log';
