/**
 * Whether this process started a tracing SDK (startTracing). The hot paths (the edge's deliveries,
 * the processor's requests, every service call) ask this before touching the OpenTelemetry API, so
 * a service without tracing allocates no span, context or header for it.
 */
let active = false;

/** True while startTracing's SDK records spans in this process. */
export const tracingActive = (): boolean => active;

/** Set by startTracing (and its shutdown); tests that register their own SDK set it too. */
export function setTracingActive(on: boolean): void {
  active = on;
}
