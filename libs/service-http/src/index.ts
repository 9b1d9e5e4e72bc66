/**
 * @pushwire/service-http — what every client of a Pushwire service API shares: JSON over keep-alive
 * HTTP with the service token, the one way to build a service URL, and ServiceCallError, which maps
 * a failed call to a code of the protocol's catalogue. Node only; no server plumbing.
 */
export { bearer } from './bearer';
export { joinUrl } from './join-url';
export { JsonHttpClient, type JsonCall, type JsonHttpClientOptions, type JsonResponse, type ServiceCallOptions } from './json-http-client';
export { ServiceCallError, type ServiceCallErrorOptions } from './service-call-error';
export { expectStatus, unexpectedAnswer } from './unexpected-answer';
