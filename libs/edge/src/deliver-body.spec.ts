import { MAX_DELIVERY_BATCH, MAX_PAYLOAD_DEPTH, ProtocolValidationError, type Delivery, type DeliveryResult } from '@pushwire/protocol';
import { decodeDeliverBody, deliverAll } from './deliver-body';

const delivery = (i: number, over: Record<string, unknown> = {}) => ({
  accountId: 'acc',
  deviceId: `tv-${i}`,
  message: { id: `m-${i}`, payload: { n: i } },
  ...over,
});
const batch = (deliveries: unknown[]) => JSON.stringify({ deliveries });

/** What decodeDeliverBody threw, as the port's 400 would carry it. */
function refusal(text: string): ProtocolValidationError {
  try {
    decodeDeliverBody(text);
  } catch (e) {
    if (e instanceof ProtocolValidationError) return e;
    throw e;
  }
  throw new Error('the body was accepted');
}

describe('decodeDeliverBody: an internal batch validated once, as a whole', () => {
  it('takes a valid batch and a single delivery', () => {
    const body = decodeDeliverBody(batch([delivery(1), delivery(2)]));
    expect('deliveries' in body && body.deliveries.map((d) => d.deviceId)).toEqual(['tv-1', 'tv-2']);
    expect(decodeDeliverBody(JSON.stringify(delivery(3)))).toMatchObject({ deviceId: 'tv-3' });
  });

  it('refuses a batch with one bad delivery as a whole, naming the field of that delivery', () => {
    const e = refusal(batch([delivery(0), delivery(1), delivery(2, { deviceId: 'tv 2' })]));
    expect(e.issues.map((i) => i.path)).toContain('/deliveries/2/deviceId');
    expect(refusal(batch([delivery(0), { ...delivery(1), extra: 1 }])).issues.some((i) => i.path.startsWith('/deliveries/1'))).toBe(true);
  });

  it('refuses sizes and shapes: an empty or oversized batch, a payload nested too deep, a body that is not JSON', () => {
    expect(refusal(batch([])).message).toMatch(/deliveries/);
    const many = Array.from({ length: MAX_DELIVERY_BATCH + 1 }, (_, i) => delivery(i));
    expect(refusal(batch(many)).message).toMatch(/deliveries/);
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_PAYLOAD_DEPTH; i++) deep = [deep];
    const tooDeep = refusal(batch([delivery(0), delivery(1, { message: { id: 'm', payload: deep } })]));
    expect(tooDeep.issues.map((i) => i.path)).toEqual(['/deliveries/1/message/payload']);
    const notJson = refusal('{"deliveries": [');
    expect([notJson.code, notJson.message]).toEqual(['invalid_json', expect.stringMatching(/^body is not valid JSON/)]);
  });

  it('refuses a structure nested deep outside the payloads at its own level, without walking it', () => {
    const deepAccount = `{"deliveries":[{"accountId":${'['.repeat(100_000)}${']'.repeat(100_000)},"deviceId":"tv","message":{"id":"m","payload":1}}]}`;
    expect(refusal(deepAccount).issues.map((i) => i.path)).toContain('/deliveries/0/accountId');
  });
});

describe('deliverAll', () => {
  const result = (d: Delivery, status: DeliveryResult['status'] = 'delivered'): DeliveryResult => ({
    accountId: d.accountId,
    deviceId: d.deviceId,
    messageId: d.message.id,
    status,
  });

  it('answers a batch of plain pushes synchronously, in order', () => {
    const order: string[] = [];
    const deliveries = [delivery(1), delivery(2)] as Delivery[];
    const out = deliverAll({ deliver: (d) => (order.push(d.deviceId), result(d)) }, deliveries);
    expect(Array.isArray(out)).toBe(true);
    expect((out as DeliveryResult[]).map((r) => r.messageId)).toEqual(['m-1', 'm-2']);
    expect(order).toEqual(['tv-1', 'tv-2']);
  });

  it('waits only when a delivery waits for an ack, keeping every result in its place', async () => {
    const deliveries = [delivery(1), delivery(2), delivery(3)] as Delivery[];
    const out = deliverAll(
      { deliver: (d) => (d.deviceId === 'tv-2' ? Promise.resolve(result(d, 'acknowledged')) : result(d)) },
      deliveries,
    );
    expect(out).toBeInstanceOf(Promise);
    expect((await out).map((r) => r.status)).toEqual(['delivered', 'acknowledged', 'delivered']);
  });
});
