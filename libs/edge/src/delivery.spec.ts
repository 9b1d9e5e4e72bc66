import type { Delivery, DeliveryResult, DeliveryStatus } from '@pushwire/protocol';
import { createMetricsRegistry, type Registry } from '@pushwire/service-kit';
import { AckWaiter } from './acks';
import { Phase, type Connection } from './connection';
import { ConnectionTable } from './connection-table';
import { BACKPRESSURE_RETRY_AFTER_MS, Deliverer } from './delivery';
import { EdgeMetrics } from './edge-metrics';
import { fakeSseConnection, fakeWebSocketConnection } from './testing/fake-sockets';

// The Deliverer against fake sockets (what it writes is recorded), a real ConnectionTable and
// AckWaiter, and jest's fake clock for TTLs and ack timeouts: every status it can answer.

const NOW = 1_700_000_000_000;
const ACK_TIMEOUT_MS = 5000;
const SEND_BUFFER_BYTES = 64 * 1024;
const MAX_MESSAGE_BYTES = 1024;

describe('Deliverer', () => {
  let table: ConnectionTable;
  let acks: AckWaiter;
  let registry: Registry;
  let slow: Connection[];
  let deliverer: Deliverer;

  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
    table = new ConnectionTable();
    acks = new AckWaiter(ACK_TIMEOUT_MS, () => Date.now());
    registry = createMetricsRegistry('edge-delivery-spec', false);
    slow = [];
    const metrics = new EdgeMetrics(registry, () => ({ websocket: table.size, sse: 0, authenticating: 0 }));
    deliverer = new Deliverer(
      'edge-1',
      table,
      acks,
      { sendBufferBytes: SEND_BUFFER_BYTES, maxMessageBytes: MAX_MESSAGE_BYTES },
      metrics,
      (c) => slow.push(c),
      () => Date.now(),
    );
  });
  afterEach(() => {
    acks.close();
    jest.useRealTimers();
  });

  const online = (deviceId: string, phase: Phase = Phase.Open) => {
    const conn = fakeWebSocketConnection(deviceId, { phase });
    table.add(conn.c);
    return conn;
  };
  /** A delivery to device `deviceId` of account `acct` (the fake connections' account, unless `extra` names another). */
  const delivery = (deviceId: string, message: Partial<Delivery['message']> = {}, extra: Partial<Delivery> = {}): Delivery => ({
    accountId: 'acct',
    deviceId,
    message: { id: 'm1', payload: { hello: 'world' }, ...message },
    ...extra,
  });
  /** A result that must be answered at once (no ack awaited). */
  const now = (result: DeliveryResult | Promise<DeliveryResult>): DeliveryResult => {
    if (result instanceof Promise) throw new Error('expected a synchronous result');
    return result;
  };
  const counted = async (status: DeliveryStatus): Promise<number> => {
    const metric = await registry.getSingleMetric('pushwire_edge_deliveries_total')!.get();
    return metric.values.find((v) => v.labels['status'] === status)?.value ?? 0;
  };

  it('writes a push frame and answers delivered, synchronously', async () => {
    const { socket } = online('tv1');
    const result = now(deliverer.deliver(delivery('tv1', { priority: 'high', ttlSeconds: 60, createdAt: NOW - 1000 })));
    expect(result).toEqual({ accountId: 'acct', deviceId: 'tv1', messageId: 'm1', status: 'delivered', edgeId: 'edge-1' });
    expect(socket.frames()).toEqual([
      { type: 'push', id: 'm1', payload: { hello: 'world' }, priority: 'high', sentAt: NOW - 1000, ttlSeconds: 60 },
    ]);
    expect(await counted('delivered')).toBe(1);
  });

  it('defaults priority to normal and sentAt to now', () => {
    const { socket } = online('tv1');
    now(deliverer.deliver(delivery('tv1')));
    expect(socket.frames()).toEqual([{ type: 'push', id: 'm1', payload: { hello: 'world' }, priority: 'normal', sentAt: NOW }]);
  });

  it('writes a relayed device-to-device delivery as d2d.message', () => {
    const { socket } = online('tv1');
    expect(now(deliverer.deliver(delivery('tv1', {}, { from: 'phone1' }))).status).toBe('delivered');
    expect(socket.frames()).toEqual([{ type: 'd2d.message', id: 'm1', from: 'phone1', payload: { hello: 'world' } }]);
  });

  it('writes to an SSE stream as one data event', () => {
    const { c, stream } = fakeSseConnection('browser1');
    table.add(c);
    expect(now(deliverer.deliver(delivery('browser1'))).status).toBe('delivered');
    expect(stream.written).toEqual([
      `data: ${JSON.stringify({ type: 'push', id: 'm1', payload: { hello: 'world' }, priority: 'normal', sentAt: NOW })}\n\n`,
    ]);
  });

  it('still delivers to a connection that was asked to reconnect (closing)', () => {
    online('tv1', Phase.Closing);
    expect(now(deliverer.deliver(delivery('tv1'))).status).toBe('delivered');
  });

  it('answers acknowledged when the device acks the message', async () => {
    const { c, socket } = online('tv1');
    const answer = deliverer.deliver(delivery('tv1', { ackRequired: true }));
    expect(answer).toBeInstanceOf(Promise);
    expect(socket.frames()).toEqual([expect.objectContaining({ type: 'push', id: 'm1', ackRequired: true })]);
    acks.ack(c, 'm1');
    await expect(answer).resolves.toEqual({
      accountId: 'acct',
      deviceId: 'tv1',
      messageId: 'm1',
      status: 'acknowledged',
      edgeId: 'edge-1',
    });
  });

  it('answers ack_timeout when no ack comes within the ack timeout', async () => {
    online('tv1');
    const answer = deliverer.deliver(delivery('tv1', { ackRequired: true }));
    jest.advanceTimersByTime(ACK_TIMEOUT_MS - 1);
    expect(acks.size).toBe(1); // still waiting
    jest.advanceTimersByTime(1);
    expect(acks.size).toBe(0);
    await expect(answer).resolves.toMatchObject({ status: 'ack_timeout' });
    expect(await counted('ack_timeout')).toBe(1);
  });

  it('answers not_connected for a device without a connection here, when the sender named none', () => {
    expect(now(deliverer.deliver(delivery('nobody'))).status).toBe('not_connected');
  });

  it("never writes to another account's connection of the same device id: not_connected, or gone for a route", () => {
    const { c, socket } = online('tv1');
    expect(now(deliverer.deliver(delivery('tv1', {}, { accountId: 'evil' }))).status).toBe('not_connected');
    expect(now(deliverer.deliver(delivery('tv1', { ackRequired: true }, { accountId: 'evil', connectionId: c.connectionId }))).status).toBe(
      'gone',
    );
    expect(socket.sent).toEqual([]);
    expect(acks.size).toBe(0);
  });

  it('answers not_connected for a connection still waiting for first-frame auth', () => {
    const { socket } = online('tv1', Phase.Authenticating);
    expect(now(deliverer.deliver(delivery('tv1'))).status).toBe('not_connected');
    expect(socket.sent).toEqual([]);
  });

  it('answers gone for a route to a connection this edge no longer holds', () => {
    expect(now(deliverer.deliver(delivery('nobody', {}, { connectionId: 'conn-old' }))).status).toBe('gone');
  });

  it('answers gone when the device is here on a newer connection than the route names (fencing)', () => {
    const { socket } = online('tv1');
    expect(now(deliverer.deliver(delivery('tv1', {}, { connectionId: 'conn-older' }))).status).toBe('gone');
    expect(now(deliverer.deliver(delivery('tv1', {}, { connectionId: 'conn-tv1' }))).status).toBe('delivered');
    expect(socket.sent).toHaveLength(1);
  });

  it('answers expired for a message whose TTL has passed, without writing it', async () => {
    const { socket } = online('tv1');
    const result = now(deliverer.deliver(delivery('tv1', { ttlSeconds: 10, createdAt: NOW - 10_000 })));
    expect(result.status).toBe('expired');
    expect(socket.sent).toEqual([]);
    expect(await counted('expired')).toBe(1);
  });

  it('answers rejected for a frame over the largest message size, counting bytes, not characters', () => {
    const { socket } = online('tv1');
    expect(now(deliverer.deliver(delivery('tv1', { payload: 'x'.repeat(MAX_MESSAGE_BYTES) }))).status).toBe('rejected');
    // Under the limit in characters, over it in UTF-8 bytes (3 per €).
    expect(now(deliverer.deliver(delivery('tv1', { payload: '€'.repeat(MAX_MESSAGE_BYTES / 2) }))).status).toBe('rejected');
    expect(socket.sent).toEqual([]);
  });

  it('answers backpressure over the soft send-buffer limit, marking when the device went over it', () => {
    const { c, socket } = online('tv1');
    socket.bufferedAmount = SEND_BUFFER_BYTES;
    const result = now(deliverer.deliver(delivery('tv1')));
    expect(result).toEqual({
      accountId: 'acct',
      deviceId: 'tv1',
      messageId: 'm1',
      status: 'backpressure',
      edgeId: 'edge-1',
      retryAfterMs: BACKPRESSURE_RETRY_AFTER_MS,
    });
    expect(socket.sent).toEqual([]);
    expect(c.overLimitSince).toBe(NOW);
    jest.advanceTimersByTime(500);
    now(deliverer.deliver(delivery('tv1')));
    expect(c.overLimitSince).toBe(NOW); // the first time over counts, for the sweeper's slow-consumer limit
    expect(slow).toEqual([]);
  });

  it('answers backpressure and reports a slow consumer when the write is dropped at the hard limit', () => {
    const { c, socket } = online('tv1');
    socket.sendResult = 2;
    expect(now(deliverer.deliver(delivery('tv1')))).toMatchObject({ status: 'backpressure', retryAfterMs: BACKPRESSURE_RETRY_AFTER_MS });
    expect(slow).toEqual([c]);
  });

  it('answers delivered for a write queued behind earlier data (under the soft limit)', () => {
    const { socket } = online('tv1');
    socket.sendResult = 0;
    expect(now(deliverer.deliver(delivery('tv1'))).status).toBe('delivered');
    expect(slow).toEqual([]);
  });
});
