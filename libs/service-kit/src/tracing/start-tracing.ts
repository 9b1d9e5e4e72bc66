import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { buildInfo } from '../build-info';
import { tracingConfig, type SamplerName, type TracingConfig } from './tracing-config';
import { setTracingActive } from './tracing-state';

/** A started tracing SDK (or none): `shutdown` exports the spans still buffered. */
export interface Tracing {
  /** The configuration in force, undefined when tracing is off. */
  readonly config: TracingConfig | undefined;
  /** Exports what is buffered and stops; a no-op when tracing is off. Never rejects (a collector that is down loses spans, not the shutdown). */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing for one service process from the standard OTEL_* variables
 * (tracingConfig): the W3C trace-context propagator, an AsyncLocalStorage context manager, and a
 * batch exporter over OTLP/HTTP (JSON). Unconfigured, it registers nothing: the API stays the no-op
 * one, no span is allocated on the hot paths (they check `tracingActive()`), no header is written.
 * Throws ConfigError for a bad configuration, so a service refuses to start rather than trace nowhere.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  const config = tracingConfig(serviceName, env);
  if (!config) return { config, shutdown: async () => undefined };
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName, [ATTR_SERVICE_VERSION]: buildInfo(env).version }),
    sampler: samplerOf(config.sampler, config.ratio),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: config.url }), scheduledDelayMillis: config.scheduleDelayMs }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  setTracingActive(true);
  return {
    config,
    shutdown: async () => {
      setTracingActive(false);
      await provider.shutdown().catch(() => undefined);
    },
  };
}

function samplerOf(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}
