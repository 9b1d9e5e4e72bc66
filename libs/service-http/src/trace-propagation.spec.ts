import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { JsonHttpClient } from './json-http-client';

// The called service joins the caller's trace: JsonHttpClient sends W3C traceparent of the active
// span once a process registered a propagator, and no trace header at all before.
describe('JsonHttpClient and W3C trace context', () => {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  let url: string;
  let http: JsonHttpClient;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/x`;
    http = new JsonHttpClient({ serviceToken: 'trace-test-token-0123456789' });
  });
  afterAll(async () => {
    await http.close();
    await new Promise((resolve) => server.close(resolve));
    propagation.disable();
    context.disable();
  });

  it('sends no trace header without a registered propagator, then the active span context with one', async () => {
    await http.call('GET', url);
    expect(seen[0]).not.toHaveProperty('traceparent');

    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const caller = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
    await context.with(trace.setSpan(context.active(), caller), () => http.call('POST', url, { body: { a: 1 } }));
    expect(seen[1]!.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });
});
