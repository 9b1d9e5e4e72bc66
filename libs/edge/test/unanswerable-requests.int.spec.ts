import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';
import { RawSocket } from './raw-http';
import { deliver, RawDevice } from './raw-device';

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

/**
 * Requests uWS's parser rejects before any handler runs: the build answers none of them (docs/
 * security.md, "HTTP parsing") and drops the socket when its 10 s HTTP idle timeout fires (checked
 * every 4 s). A checker that speaks HTTP/1.0 belongs on the health port.
 */
const UNANSWERABLE: [string, string][] = [
  ['HTTP/1.0', head(['GET /v1/connect HTTP/1.0', 'Host: 127.0.0.1'])],
  ['HTTP/1.1 without Host', head(['GET /healthz HTTP/1.1'])],
  ['a header line without a colon', head(['GET /v1/connect HTTP/1.1', 'Host: 127.0.0.1', 'NoColonHere'])],
  ['a NUL byte in a header', head(['GET /v1/connect HTTP/1.1', 'Host: 127.0.0.1', 'X-A: a\0b'])],
  ['49 header lines', head(['GET /v1/connect HTTP/1.1', 'Host: 127.0.0.1', ...Array.from({ length: 48 }, (_, i) => `X-H-${i}: v`)])],
  ['500 header lines', head(['GET /v1/connect HTTP/1.1', 'Host: 127.0.0.1', ...Array.from({ length: 499 }, (_, i) => `X-H-${i}: v`)])],
  ['a head that never ends', 'GET /v1/connect HTTP/1.1\r\nHost: 127.0.0.1\r\n'],
];

describe('edge: requests the uWS parser cannot answer', () => {
  let t: TestEdge;
  beforeAll(async () => {
    t = await startTestEdge();
  });
  afterAll(() => t.stop());

  it('50 of them on the device and internal ports neither stop a device from connecting and getting a push, nor stay open', async () => {
    const ports = [Number(new URL(t.deviceUrl).port), Number(new URL(t.internalUrl).port)];
    const sockets = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const socket = await RawSocket.open(ports[i % 5 === 4 ? 1 : 0]!);
        await socket.write(UNANSWERABLE[i % UNANSWERABLE.length]![1]);
        return socket;
      }),
    );

    const device = await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${await t.token('other', 'bystander')}`);
    await device.next('welcome');
    const r = await deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId: 'other',
      deviceId: 'bystander',
      message: { id: 'meanwhile', payload: 1 },
    });
    expect(r.body.status).toBe('delivered');
    expect((await device.next('push')).id).toBe('meanwhile');

    // Every one is dropped within the idle timeout plus one check interval (and slack for a busy
    // machine), none with a success: no handler ran for it.
    const closes = await Promise.all(sockets.map((s) => s.closed));
    for (const [i, { afterMs, bytes }] of closes.entries()) {
      const what = UNANSWERABLE[i % UNANSWERABLE.length]![0];
      expect({ what, dropped: afterMs < 20_000 }).toEqual({ what, dropped: true });
      expect({ what, answer: bytes.toString('latin1').slice(0, 12) }).toEqual({
        what,
        answer: expect.not.stringMatching(/^HTTP\/1\.1 [1-3]/),
      });
    }
    device.close();
  }, 40_000);
});
