/** @pushwire/service-kit — the ops plumbing every Pushwire service shares. */
export * from './config';
export * from './store-unavailable';
export { awsRetriable } from './aws-failure';
export * from './errors';
export * from './logger';
export * from './log-throttle';
export * from './metrics';
export * from './build-info';
export * from './readiness';
export * from './service-token';
export * from './service-roles';
export * from './service-token-config';
export * from './shutdown';
export * from './dev-defaults';
export * from './http-service-app';
export * from './tracing';
export * from './message-journal';
