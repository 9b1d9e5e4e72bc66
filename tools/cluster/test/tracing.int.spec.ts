import { randomUUID } from 'node:crypto';
import type { DeviceClient } from '@pushwire/device-client';
import { KafkaEventBus } from '@pushwire/event-bus';
import { dynamodbEndpointFromEnv, kafkaBrokersFromEnv } from '@pushwire/infra/testing';
import { PushClient } from '@pushwire/push-client';
import { recordSenderSpans, type SenderSpans } from './sender-tracing';
import { waitFor } from '@pushwire/test-kit';
import type { Cluster } from '../src';
import { CLUSTER_POLL, connectDevice, startTestCluster } from './cluster-fixture';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver';

/**
 * OpenTelemetry across processes: the registry, the message processor and an edge run as their own
 * processes exporting to an in-process OTLP/HTTP receiver; the test process is the sender, with an
 * SDK of its own recording its spans in memory (the push client itself only uses the API). A message enqueued to a device that acks must be ONE trace: the sender's enqueue →
 * (Kafka headers) the processor's span → the registry's lookup and the edge's delivery, ended by the
 * ack, every parent link intact. A message stored while its device is away keeps its trace: its
 * delivery from the inbox on connect joins the same trace.
 */
describe('cluster: one trace from enqueue to ack, across processes', () => {
  const run = randomUUID().slice(0, 8);
  const account = `acct-trace-${run}`;
  let receiver: OtlpReceiver;
  let senderSpans: SenderSpans;
  let cluster: Cluster;
  let bus: KafkaEventBus;
  let sender: PushClient;
  const devices: DeviceClient[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
    cluster = await startTestCluster(dynamodbEndpointFromEnv(), undefined, {}, otel);
    senderSpans = recordSenderSpans('trace-test-sender');
    bus = new KafkaEventBus({ brokers: kafkaBrokersFromEnv(), clientId: `trace-test-${run}` });
    sender = new PushClient({ registryUrl: cluster.registryUrl, serviceToken: cluster.serviceToken, bus });
  });

  afterAll(async () => {
    for (const d of devices) await d.close();
    await sender?.close();
    await bus?.close();
    await cluster?.stop();
    await senderSpans?.stop();
    await receiver?.close();
  });

  /** Every span of the trace that holds the sender's `pushwire enqueue` span of `messageId`. */
  const traceOf = (messageId: string): ReceivedSpan[] => {
    const all = [...senderSpans.spans(), ...receiver.spans];
    const enqueue = all.find((s) => s.name === 'pushwire enqueue' && s.attributes['pushwire.message_id'] === messageId);
    return enqueue ? all.filter((s) => s.traceId === enqueue.traceId) : [];
  };
  /** What the receiver holds, for a failure message: service/name/trace of every span. */
  const seen = () =>
    `; spans received: ${[...senderSpans.spans(), ...receiver.spans].map((s) => `${s.service}/${s.name}/${s.traceId.slice(0, 8)}/${String(s.attributes['pushwire.message_id'] ?? '')}`).join(', ') || 'none'}`;
  const waitForSpans = <T>(check: () => T | undefined, what: string) =>
    waitFor(check, { ...CLUSTER_POLL, timeoutMs: 30_000, what }).catch((e: Error) => {
      throw new Error(`${e.message}${seen()}`);
    });
  const parentOf = (trace: ReceivedSpan[], span: ReceivedSpan) => trace.find((s) => s.spanId === span.parentSpanId);

  it('follows an acknowledged message from the sender through Kafka, processor, registry and edge to the ack', async () => {
    const deviceId = `tv-${run}`;
    const { client } = await connectDevice(cluster, cluster.edges[0]!.deviceUrl, account, deviceId);
    devices.push(client);
    const messageId = `traced-${run}`;
    await sender.enqueue({ accountId: account, deviceId }, { hello: 'trace' }, { id: messageId, ack: true });

    const services = ['trace-test-sender', 'message-processor', 'registry', 'push-edge'];
    const trace = await waitForSpans(
      () => {
        const spans = traceOf(messageId);
        const acked = spans.some((s) => s.name === 'edge deliver' && s.attributes['pushwire.status'] === 'acknowledged');
        return acked && services.every((service) => spans.some((s) => s.service === service)) ? spans : undefined;
      },
      `spans of message ${messageId} from ${services.join(', ')}, the delivery acknowledged`,
    );

    // One root (the sender's enqueue); every other span's parent is in the trace.
    const roots = trace.filter((s) => s.parentSpanId === '');
    expect(roots.map((s) => s.name)).toEqual(['pushwire enqueue']);
    for (const s of trace) if (s.parentSpanId) expect(parentOf(trace, s)).toBeDefined();

    const processing = trace.find((s) => s.name === 'process push request')!;
    expect(processing.service).toBe('message-processor');
    expect(parentOf(trace, processing)!.name).toBe('pushwire enqueue'); // through the Kafka record's headers
    expect(processing.attributes).toEqual(
      expect.objectContaining({ 'pushwire.message_id': messageId, 'pushwire.account_id': account, 'pushwire.device_id': deviceId }),
    );
    expect(processing.attributes['pushwire.status']).toBe('acknowledged');

    const deliver = trace.find((s) => s.name === 'edge deliver')!;
    expect(deliver.service).toBe('push-edge');
    expect(deliver.attributes['pushwire.status']).toBe('acknowledged');
    expect(deliver.events).toEqual(['frame written', 'ack received']);
    // edge deliver ← the processor's send ← process push request: the delivery call is inside the processing.
    expect(ancestors(trace, deliver)).toContain(processing.spanId);
    const lookup = trace.find((s) => s.service === 'registry')!;
    expect(ancestors(trace, lookup)).toContain(processing.spanId);
  });

  it('keeps the trace of a message stored for an absent device: its delivery from the inbox joins it', async () => {
    const deviceId = `away-${run}`;
    const messageId = `stored-${run}`;
    await sender.enqueue({ accountId: account, deviceId }, { hello: 'later' }, { id: messageId, ttlSeconds: 300 });
    await waitForSpans(
      () => traceOf(messageId).find((s) => s.name === 'process push request' && s.attributes['pushwire.status'] === 'stored'),
      `message ${messageId} stored by the processor`,
    );
    const { client } = await connectDevice(cluster, cluster.edges[1]!.deviceUrl, account, deviceId);
    devices.push(client);
    const trace = await waitForSpans(() => {
      const spans = traceOf(messageId);
      return spans.some((s) => s.name === 'edge deliver stored') ? spans : undefined;
    }, `the inbox delivery of ${messageId} in its trace`);
    const stored = trace.find((s) => s.name === 'edge deliver stored')!;
    expect(stored.service).toBe('push-edge');
    expect(stored.attributes['pushwire.status']).toBe('delivered');
    expect(parentOf(trace, stored)!.name).toBe('process push request');
  });
});

/** The span ids above `span`, nearest first. */
function ancestors(trace: ReceivedSpan[], span: ReceivedSpan): string[] {
  const ids: string[] = [];
  for (let s = trace.find((t) => t.spanId === span.parentSpanId); s; s = trace.find((t) => t.spanId === s!.parentSpanId))
    ids.push(s.spanId);
  return ids;
}
