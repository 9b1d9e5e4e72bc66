/** OpenTelemetry tracing of the services: setup from OTEL_* variables, span helpers, propagation, the log mixin. */
export * from './tracing-config';
export * from './start-tracing';
export * from './tracing-state';
export * from './spans';
export * from './log-mixin';
export * from './fastify-spans';
