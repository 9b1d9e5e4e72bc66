import WebSocket from 'ws';
import { CloseCode } from '@pushwire/protocol';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';
import { RawDevice, deliver } from './raw-device';

describe('edge: bad input from devices', () => {
  let t: TestEdge;
  let bystander: RawDevice;
  beforeAll(async () => {
    t = await startTestEdge({ maxBadFrames: 3, maxMessageBytes: 1024, deviceFramesPerSecond: 5 });
    bystander = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('other', 'bystander')}`);
    await bystander.next('welcome');
  });
  afterAll(async () => {
    // Whatever the others did, the bystander's connection is intact and still gets pushes.
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'other',
      deviceId: 'bystander',
      message: { id: 'still-here', payload: 1 },
    });
    expect(r.body.status).toBe('delivered');
    expect((await bystander.next('push')).id).toBe('still-here');
    bystander.close();
    await t.stop();
  });

  const connect = async (id: string) => {
    const d = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('bad', id)}`);
    await d.next('welcome');
    return d;
  };

  it('answers malformed and unknown frames with error frames, then closes 1008 past the limit', async () => {
    const d = await connect('bad-frames');
    d.send('{not json');
    expect(await d.next('error')).toMatchObject({ code: 'invalid_json' });
    d.send({ type: 'teleport' });
    expect(await d.next('error')).toMatchObject({ code: 'unknown_type' });
    d.send({ type: 'ack' });
    const third = await d.next('error');
    expect(third.code).toBe('invalid_frame');
    expect(third.message).toMatch(/\/id/);
    expect((await d.closed).code).toBe(CloseCode.POLICY_VIOLATION);
  });

  it('refuses binary frames with an error and close 1008', async () => {
    const d = await connect('binary');
    d.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await d.next('error')).code).toBe('binary_not_supported');
    expect((await d.closed).code).toBe(CloseCode.POLICY_VIOLATION);
  });

  it('closes 1009 on a frame over PUSHWIRE_MAX_MESSAGE_BYTES', async () => {
    const d = await connect('too-big');
    d.send({ type: 'ack', id: 'x'.repeat(2000) });
    expect((await d.closed).code).toBe(CloseCode.MESSAGE_TOO_BIG);
  });

  it('rate-limits a flood with rate_limited errors without closing the connection', async () => {
    const d = await connect('flood');
    for (let i = 0; i < 40; i++) d.send({ type: 'ping', t: i });
    const limited = await d.next('error');
    expect(limited.code).toBe('rate_limited');
    const pongs = d.frames.filter((f) => f.type === 'pong').length;
    expect(pongs).toBeLessThanOrEqual(11); // burst of 2 × 5/s, plus refill while sending
    expect(d.ws.readyState).toBe(WebSocket.OPEN);
    d.close();
  });

  it('survives random garbage from many devices at once', async () => {
    const devices = await Promise.all(Array.from({ length: 10 }, (_, i) => connect(`garbage-${i}`)));
    for (const d of devices) {
      for (let j = 0; j < 3; j++)
        d.send(
          Math.random() < 0.5
            ? String.fromCharCode(...Array.from({ length: 50 }, () => Math.floor(Math.random() * 65535)))
            : JSON.stringify({ type: 'd2d.send', reqId: 5 }),
        );
    }
    const closes = await Promise.all(devices.map((d) => d.closed));
    expect(closes.every((c) => c.code === CloseCode.POLICY_VIOLATION)).toBe(true);
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'other',
      deviceId: 'bystander',
      message: { id: 'after-garbage', payload: 1 },
    });
    expect(r.body.status).toBe('delivered');
    expect((await bystander.next('push')).id).toBe('after-garbage');
  });
});
