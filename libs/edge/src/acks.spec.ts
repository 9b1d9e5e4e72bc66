import { AckWaiter } from './acks';
import { Connection, Phase, Transport } from './connection';

describe('AckWaiter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const conn = (id: string) => new Connection(Transport.WebSocket, id, Phase.Open);

  it('resolves acknowledged on the ack of the same connection only', async () => {
    const w = new AckWaiter(1000, () => Date.now());
    const a = conn('a'),
      b = conn('b');
    const waiting = w.wait(a, 'm1');
    expect(w.ack(b, 'm1')).toBe(false);
    expect(w.ack(a, 'm1')).toBe(true);
    await expect(waiting).resolves.toBe('acknowledged');
    expect(a.pendingAcks).toBe(0);
  });

  it('times out in deadline order with one timer', async () => {
    const w = new AckWaiter(1000, () => Date.now());
    const c = conn('c');
    const first = w.wait(c, 'm1');
    jest.advanceTimersByTime(500);
    const second = w.wait(c, 'm2');
    jest.advanceTimersByTime(500);
    await expect(first).resolves.toBe('ack_timeout');
    expect(w.size).toBe(1);
    jest.advanceTimersByTime(500);
    await expect(second).resolves.toBe('ack_timeout');
  });

  it('ends the waits of a closed connection at once', async () => {
    const w = new AckWaiter(60_000, () => Date.now());
    const c = conn('c');
    const waiting = w.wait(c, 'm1');
    w.connectionClosed(c);
    await expect(waiting).resolves.toBe('ack_timeout');
  });
});
