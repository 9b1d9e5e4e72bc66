/**
 * @pushwire/protocol — every message that crosses a process boundary, defined once as a runtime
 * schema (TypeBox: JSON Schema that fastify validates and documents as OpenAPI) with its TypeScript
 * type derived from it, plus compiled validators and the catalogue of codes.
 */
export * from './pushwire-error';
export * from './validation';
export * from './validation-error';
export * from './json-depth';
export * from './v1/ids';
export * from './v1/wire-rules';
export * from './v1/codes';
export * from './v1/device-frames';
export * from './v1/internal-api';
export * from './v1/edge-link';
export * from './v1/decode';
export * from './v1/read-frames';
export * from './v1/frame-checks';
export type { Check, OptionalCheck } from './checks';
export * from './v1/validators';
export * from './v1/payload-depth';
export * from './v1/push-queue';
export * from './v1/inbox';
export * from './v1/message-time';
export * from './v1/device-list';
export * from './v1/dlq-api';
export * from './v1/topics';
export * from './v1/journal';
