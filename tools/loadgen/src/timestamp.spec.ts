import { epochNowMs, payloadSentAtOf, sentAtOf, timestampedPayload } from './timestamp';

describe('timestamped payloads', () => {
  it('carry the send time as @<epoch ms with 3 decimals>, found in any frame that wraps them', () => {
    const before = epochNowMs();
    const payload = timestampedPayload('pad');
    expect(payload).toMatch(/^@\d{13}\.\d{3} pad$/);
    const sentAt = sentAtOf(`{"type":"push","id":"m1","payload":${JSON.stringify(payload)}}`);
    expect(sentAt).toBeGreaterThanOrEqual(Math.floor(before));
    expect(sentAt).toBeLessThanOrEqual(epochNowMs());
    expect(sentAtOf(`42["push",${JSON.stringify(timestampedPayload())}]`)).toBeCloseTo(epochNowMs(), -2);
  });

  it('take the first marker, and give NaN without one', () => {
    expect(sentAtOf('a@1.500 b@2.000')).toBe(1.5);
    expect(sentAtOf('user@example.com')).toBeNaN();
    expect(sentAtOf('{"type":"welcome"}')).toBeNaN();
  });

  it('share one clock with the Date clock across processes', () => {
    expect(Math.abs(epochNowMs() - Date.now())).toBeLessThan(50);
  });

  it('read the send time of a {"t": …} payload in a topic frame, a broadcast and an escaped Socket.IO string', () => {
    const t = 1765012345678.125;
    const payload = JSON.stringify({ t });
    expect(payloadSentAtOf(`{"type":"topic.message","topic":"a","id":"m","offset":3,"epoch":"e1","payload":${payload},"sentAt":1}`)).toBe(
      t,
    );
    expect(payloadSentAtOf(`{"type":"broadcast","id":"m","payload":{"t":12},"sentAt":99}`)).toBe(12);
    expect(payloadSentAtOf(`42["push",${JSON.stringify(payload)}]`)).toBe(t);
    expect(payloadSentAtOf('{"type":"broadcast","id":"m","payload":{"x":1},"sentAt":99}')).toBeNaN();
  });
});
