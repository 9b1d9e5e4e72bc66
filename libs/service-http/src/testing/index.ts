/** Test helpers for clients of Pushwire services (import path `@pushwire/service-http/testing`). */
export { serviceCallFailure, StubService, unusedUrl, type StubAnswer, type StubRequest } from './stub-service';
export { RawHttpConnection, type RawHttpEnd, type RawHttpResponse } from './raw-http';
