/** Test helpers for callers of the edge's internal API (import path `@pushwire/edge-client/testing`). */
export { FakeEdge, type FakeAnswer, type RecordedRequest } from './fake-edge';
