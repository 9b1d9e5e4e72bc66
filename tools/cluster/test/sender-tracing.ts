import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReceivedSpan } from './otlp-receiver';

/** The test process as a traced sender: its spans, read back in the receiver's form. */
export interface SenderSpans {
  spans(): ReceivedSpan[];
  stop(): Promise<void>;
}

/**
 * Registers an OpenTelemetry SDK in the test process, as a backend embedding the push client would
 * (W3C propagation, async context), keeping finished spans in memory: the push client, which uses
 * only the API, then records `pushwire enqueue` and puts its context in the Kafka record headers.
 */
export function recordSenderSpans(service: string): SenderSpans {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    spans: () =>
      exporter.getFinishedSpans().map((s) => ({
        service,
        name: s.name,
        traceId: s.spanContext().traceId,
        spanId: s.spanContext().spanId,
        parentSpanId: s.parentSpanContext?.spanId ?? '',
        attributes: { ...s.attributes },
        events: s.events.map((e) => e.name),
      })),
    stop: async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
