import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { createLogger } from '../logger';

/** JSON lines a logger wrote. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('log lines and traces (traceLogMixin)', () => {
  const contextManager = new AsyncLocalStorageContextManager();
  const provider = new TracerProvider();

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it('puts trace_id and span_id of the active span on a line written inside it, across awaits, and nothing outside', async () => {
    const { stream, lines } = capture();
    const logger = createLogger('test', 'info', stream);
    logger.info('before');
    const span = provider.getTracer('test').startSpan('work');
    await context.with(trace.setSpan(context.active(), span), async () => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.info({ messageId: 'm1' }, 'inside');
    });
    span.end();
    logger.info('after');

    const [before, inside, after] = lines();
    expect(inside).toMatchObject({
      msg: 'inside',
      messageId: 'm1',
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
    expect(inside!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(before).not.toHaveProperty('trace_id');
    expect(after).not.toHaveProperty('trace_id');
    expect(after).not.toHaveProperty('messageId'); // each line's fields stay its own
  });

  it('adds nothing for a span context that is not valid (a no-op span)', () => {
    const { stream, lines } = capture();
    const logger = createLogger('test', 'info', stream);
    context.with(
      trace.setSpan(context.active(), trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 })),
      () => logger.info('noop'),
    );
    expect(lines()[0]).not.toHaveProperty('trace_id');
  });
});
