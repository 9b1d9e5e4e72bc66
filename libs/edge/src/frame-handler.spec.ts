import { CloseCode, decodeClientFrame, MAX_TOKEN_BYTES, type ClientFrame } from '@pushwire/protocol';
import { createMetricsRegistry, type Registry } from '@pushwire/service-kit';
import { AckWaiter } from './acks';
import { Phase, type Connection } from './connection';
import type { DeviceRequestFrame } from './devices/device-requests';
import type { TopicRequestFrame } from './topics/topic-subscriptions';
import { EdgeMetrics } from './edge-metrics';
import { DROPPED_FRAMES_WINDOW_MS, FrameHandler } from './frame-handler';
import { fakeWebSocketConnection } from './testing/fake-sockets';

// The FrameHandler on a fake socket (its answers are recorded), a real AckWaiter, a hand-moved
// clock for the rate limit, and recorders where it hands frames on: first-frame auth, closing and
// the device requests.

const T0 = 1_700_000_000_000;
const MAX_BAD_FRAMES = 3;
/** Sustained frames per second in these tests: bursts of 2 × 5. */
const PER_SECOND = 5;
/** Frames the rate limit may drop within a window before the connection is closed. */
const MAX_DROPPED = 20;

describe('FrameHandler', () => {
  let time: number;
  let registry: Registry;
  let acks: AckWaiter;
  let closed: { c: Connection; code: number; reason: string }[];
  let authenticated: { c: Connection; token: string }[];
  let refreshed: { c: Connection; token: string }[];
  let requests: { c: Connection; frame: DeviceRequestFrame }[];
  let topicRequests: { c: Connection; frame: TopicRequestFrame }[];
  let handler: FrameHandler;

  beforeEach(() => {
    time = T0;
    registry = createMetricsRegistry('edge-frame-handler-spec', false);
    acks = new AckWaiter(60_000, () => time);
    closed = [];
    authenticated = [];
    refreshed = [];
    requests = [];
    topicRequests = [];
    handler = new FrameHandler(
      { maxBadFrames: MAX_BAD_FRAMES, framesPerSecond: PER_SECOND, maxDroppedFrames: MAX_DROPPED },
      {
        acks,
        requests: { handle: (c, frame) => requests.push({ c, frame }) },
        topics: { handle: (c, frame) => topicRequests.push({ c, frame }) },
        authenticate: (c, token) => authenticated.push({ c, token }),
        refreshToken: (c, token) => refreshed.push({ c, token }),
        close: (c, code, reason) => closed.push({ c, code, reason }),
        metrics: new EdgeMetrics(registry, () => ({ websocket: 0, sse: 0, authenticating: 0 })),
        now: () => time,
      },
    );
  });
  afterEach(() => acks.close());

  const device = (phase: Phase = Phase.Open) => fakeWebSocketConnection('tv1', { phase });
  const text = (frame: unknown) => JSON.stringify(frame);
  const badFramesCounted = async () => (await registry.getSingleMetric('pushwire_edge_bad_frames_total')!.get()).values[0]?.value ?? 0;

  it('settles the delivery waiting for an ack', async () => {
    const { c } = device();
    const waiting = acks.wait(c, 'm1');
    handler.onText(c, text({ type: 'ack', id: 'm1' }));
    await expect(waiting).resolves.toBe('acknowledged');
  });

  it('answers ping with pong, echoing t and telling the server time', () => {
    const { c, socket } = device();
    handler.onText(c, text({ type: 'ping', t: 42 }));
    time += 5;
    handler.onText(c, text({ type: 'ping' }));
    expect(socket.frames()).toEqual([
      { type: 'pong', t: 42, serverTime: T0 },
      { type: 'pong', serverTime: T0 + 5 },
    ]);
  });

  it('answers bad JSON, unknown types and invalid frames with error frames, and closes 1008 at the bad-frame limit', async () => {
    const { c, socket } = device();
    handler.onText(c, '{not json');
    handler.onText(c, text({ type: 'teleport' }));
    expect(closed).toEqual([]);
    handler.onText(c, text({ type: 'ack' }));
    const errors = socket.frames();
    expect(errors.map((f) => f.type === 'error' && f.code)).toEqual(['invalid_json', 'unknown_type', 'invalid_frame']);
    expect(errors[2]).toMatchObject({ message: expect.stringMatching(/\/id/) });
    expect(c.badFrames).toBe(MAX_BAD_FRAMES);
    expect(closed).toEqual([{ c, code: CloseCode.POLICY_VIOLATION, reason: `too many bad frames (${MAX_BAD_FRAMES})` }]);
    expect(await badFramesCounted()).toBe(MAX_BAD_FRAMES);
  });

  it('hands an auth frame on an open connection to the token refresh, not to first-frame auth', () => {
    const { c, socket } = device();
    handler.onText(c, text({ type: 'auth', token: 'fresh' }));
    handler.onFrame(c, { type: 'auth', token: 'fresher' });
    expect(refreshed).toEqual([
      { c, token: 'fresh' },
      { c, token: 'fresher' },
    ]);
    expect(socket.frames()).toEqual([]);
    expect(c.badFrames).toBe(0);
    expect(authenticated).toEqual([]);
  });

  it('refuses a binary frame with an error and close 1008', () => {
    const { c, socket } = device();
    handler.onBinary(c);
    expect(socket.frames()).toEqual([{ type: 'error', code: 'binary_not_supported', message: 'send JSON text frames' }]);
    expect(closed).toEqual([{ c, code: CloseCode.POLICY_VIOLATION, reason: 'binary frames are not supported' }]);
  });

  it('dispatches d2d.send, devices.list and devices.subscribe to the device requests, decoded', () => {
    const { c, socket } = device();
    const sent = [
      { type: 'd2d.send', reqId: 'r1', to: 'phone1', payload: { cmd: 'pause' } },
      { type: 'devices.list', reqId: 'r2' },
      { type: 'devices.subscribe', reqId: 'r3' },
    ];
    for (const frame of sent) handler.onText(c, text(frame));
    expect(requests).toEqual(sent.map((frame) => ({ c, frame })));
    expect(socket.sent).toEqual([]); // the answers are the device requests' to send
  });

  it('dispatches subscribe and unsubscribe to the topic subscriptions, decoded', () => {
    const { c } = device();
    const sent = [
      { type: 'subscribe', reqId: 's1', topic: 'live:m1', since: { offset: 3, epoch: 'e1' } },
      { type: 'unsubscribe', reqId: 's2', topic: 'live:m1' },
    ];
    for (const frame of sent) handler.onText(c, text(frame));
    expect(topicRequests).toEqual(sent.map((frame) => ({ c, frame })));
  });

  it('answers a subscribe off the schema (a reserved $ name, a name too long) with an error naming its request', () => {
    const { c, socket } = device();
    handler.onText(c, text({ type: 'subscribe', reqId: 'bad-1', topic: '$type:tv' }));
    handler.onText(c, text({ type: 'unsubscribe', reqId: 'bad-2', topic: 'x'.repeat(129) }));
    expect(socket.frames()).toEqual([
      expect.objectContaining({ type: 'error', code: 'invalid_frame', reqId: 'bad-1' }),
      expect.objectContaining({ type: 'error', code: 'invalid_frame', reqId: 'bad-2' }),
    ]);
    expect(topicRequests).toEqual([]);
  });

  describe('rate limit', () => {
    it('answers frames past the burst with rate_limited, without counting them toward the close', async () => {
      const { c, socket } = device();
      for (let i = 0; i < 2 * PER_SECOND; i++) handler.onText(c, text({ type: 'ping', t: i }));
      handler.onText(c, text({ type: 'ping', t: 99 }));
      handler.onText(c, '{not even json');
      const frames = socket.frames();
      expect(frames.filter((f) => f.type === 'pong')).toHaveLength(2 * PER_SECOND);
      expect(frames.slice(2 * PER_SECOND)).toEqual([
        { type: 'error', code: 'rate_limited', message: `more than ${PER_SECOND} frames per second` },
        { type: 'error', code: 'rate_limited', message: `more than ${PER_SECOND} frames per second` },
      ]);
      expect(c.badFrames).toBe(0);
      expect(closed).toEqual([]);
      expect(await badFramesCounted()).toBe(2);
    });

    it('refills with time: one frame per 1/framesPerSecond seconds', () => {
      const { c, socket } = device();
      for (let i = 0; i < 2 * PER_SECOND; i++) handler.onText(c, text({ type: 'ping' }));
      time += 1000 / PER_SECOND - 1;
      handler.onText(c, text({ type: 'ping', t: 1 }));
      time += 1;
      handler.onText(c, text({ type: 'ping', t: 2 }));
      expect(socket.frames().slice(2 * PER_SECOND)).toEqual([
        expect.objectContaining({ type: 'error', code: 'rate_limited' }),
        { type: 'pong', t: 2, serverTime: time },
      ]);
    });

    it('answers a limited request with its reqId, and a limited d2d.send with its d2d.result', () => {
      const { c, socket } = device();
      for (let i = 0; i < 2 * PER_SECOND; i++) handler.onText(c, text({ type: 'ping' }));
      handler.onText(c, text({ type: 'devices.list', reqId: 'list-1' }));
      handler.onText(c, text({ type: 'd2d.send', reqId: 'send-1', to: 'phone1', payload: 1 }));
      expect(socket.frames().slice(2 * PER_SECOND)).toEqual([
        { type: 'error', code: 'rate_limited', message: `more than ${PER_SECOND} frames per second`, reqId: 'list-1' },
        { type: 'd2d.result', reqId: 'send-1', status: 'rate_limited' },
      ]);
      expect(requests).toEqual([]);
    });
  });

  describe('flooding past the rate limit', () => {
    const burst = (c: Connection) => {
      for (let i = 0; i < 2 * PER_SECOND; i++) handler.onText(c, text({ type: 'ping' }));
    };

    it('answers only a burst of dropped frames per window, then drops the rest silently', () => {
      const { c, socket } = device();
      burst(c);
      for (let i = 0; i < MAX_DROPPED; i++) handler.onText(c, text({ type: 'ping' }));
      const replies = socket.frames().slice(2 * PER_SECOND);
      expect(replies).toHaveLength(2 * PER_SECOND);
      expect(replies.every((f) => f.type === 'error' && f.code === 'rate_limited')).toBe(true);
      expect(closed).toEqual([]);
      expect(c.badFrames).toBe(0);
    });

    it('closes 1008 past maxDroppedFrames within the window, and not when the drops are spread over windows', () => {
      const { c } = device();
      burst(c);
      for (let i = 0; i < MAX_DROPPED; i++) handler.onText(c, text({ type: 'ping' }));
      time += DROPPED_FRAMES_WINDOW_MS;
      burst(c); // the bucket refilled meanwhile
      for (let i = 0; i < MAX_DROPPED; i++) handler.onText(c, text({ type: 'ping' }));
      expect(closed).toEqual([]);
      handler.onText(c, text({ type: 'ping' }));
      expect(closed).toEqual([
        { c, code: CloseCode.POLICY_VIOLATION, reason: `rate limit exceeded: more than ${MAX_DROPPED} frames dropped within 10 s` },
      ]);
    });

    it('does not count dropped acks toward the close while acks are awaited: a burst of pushes brings a burst of acks', () => {
      const { c } = device();
      const waits = Array.from({ length: 3 * MAX_DROPPED }, (_, i) => acks.wait(c, `m${i}`));
      burst(c);
      for (let i = 0; i < 3 * MAX_DROPPED; i++) handler.onText(c, text({ type: 'ack', id: `m${i}` }));
      expect(closed).toEqual([]);
      expect(waits).toHaveLength(3 * MAX_DROPPED);
    });

    it('tells the back-channel which decoded frames it dropped', () => {
      const { c } = device();
      burst(c);
      expect(handler.onFrame(c, { type: 'ping' })).toBe(false);
      time += 1000;
      expect(handler.onFrame(c, { type: 'ping' })).toBe(true);
    });
  });

  it('answers a d2d.send it cannot decode (a payload nested too deep) with d2d.result rejected, counted as a bad frame', () => {
    const { c, socket } = device();
    const deep = `{"type":"d2d.send","reqId":"deep-1","to":"phone1","payload":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    handler.onText(c, deep);
    handler.onText(c, text({ type: 'd2d.send', reqId: 'deep-2', to: 'phone1', payload: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) }));
    expect(socket.frames()).toEqual([
      { type: 'd2d.result', reqId: 'deep-1', status: 'rejected' },
      { type: 'd2d.result', reqId: 'deep-2', status: 'rejected' },
    ]);
    expect(c.badFrames).toBe(2);
    expect(requests).toEqual([]);
  });

  describe('first-frame auth', () => {
    it('hands the first auth frame to the authenticator', () => {
      const { c, socket } = device(Phase.Authenticating);
      handler.onText(c, text({ type: 'auth', token: 'jwt' }));
      expect(authenticated).toEqual([{ c, token: 'jwt' }]);
      expect(socket.sent).toEqual([]);
    });

    it('closes 4003 when the first frame is anything but auth, processing nothing', () => {
      const { c, socket } = device(Phase.Authenticating);
      handler.onText(c, text({ type: 'devices.list', reqId: 'r1' }));
      expect(socket.frames()).toEqual([
        { type: 'error', code: 'not_authenticated', message: 'the first frame must be {"type":"auth","token":…}' },
      ]);
      expect(closed).toEqual([{ c, code: CloseCode.AUTH_FAILED, reason: 'authentication required' }]);
      expect(requests).toEqual([]);
      expect(authenticated).toEqual([]);
    });

    it('counts an unreadable first frame as a bad frame', () => {
      const { c, socket } = device(Phase.Authenticating);
      handler.onText(c, 'garbage');
      expect(socket.frames()).toEqual([expect.objectContaining({ type: 'error', code: 'invalid_json' })]);
      expect(c.badFrames).toBe(1);
      expect(authenticated).toEqual([]);
    });

    it('closes 4003 at once on a first frame it cannot read, or whose token is over the size limit', () => {
      const unreadable = device(Phase.Authenticating);
      handler.onText(unreadable.c, 'garbage');
      const oversized = device(Phase.Authenticating);
      handler.onText(oversized.c, text({ type: 'auth', token: 'x'.repeat(MAX_TOKEN_BYTES + 1) }));
      expect(oversized.socket.frames()).toEqual([expect.objectContaining({ type: 'error', code: 'invalid_frame' })]);
      expect(closed.map(({ c, code }) => ({ c, code }))).toEqual([
        { c: unreadable.c, code: CloseCode.AUTH_FAILED },
        { c: oversized.c, code: CloseCode.AUTH_FAILED },
      ]);
      expect(authenticated).toEqual([]);
    });
  });

  it('ignores frames of a closed connection', () => {
    const { c, socket } = device(Phase.Closed);
    handler.onText(c, text({ type: 'ping' }));
    handler.onFrame(c, { type: 'ping' });
    expect(socket.sent).toEqual([]);
    expect(c.tokensAt).toBe(0);
  });

  describe('decoded frames (the SSE back-channel)', () => {
    it('handles a frame decoded by its transport like the same frame as text', () => {
      const { c, socket } = device();
      const frame: ClientFrame = decodeClientFrame(text({ type: 'devices.subscribe', reqId: 'r1' }));
      handler.onFrame(c, frame);
      handler.onFrame(c, { type: 'ping', t: 7 });
      expect(requests).toEqual([{ c, frame }]);
      expect(socket.frames()).toEqual([{ type: 'pong', t: 7, serverTime: T0 }]);
    });

    it('shares the rate limit with text frames and answers a limited one from its fields', () => {
      const { c, socket } = device();
      for (let i = 0; i < 2 * PER_SECOND; i++) handler.onText(c, text({ type: 'ping' }));
      handler.onFrame(c, { type: 'd2d.send', reqId: 'send-1', to: 'phone1', payload: 1 });
      handler.onFrame(c, { type: 'ack', id: 'm1' });
      expect(socket.frames().slice(2 * PER_SECOND)).toEqual([
        { type: 'd2d.result', reqId: 'send-1', status: 'rate_limited' },
        { type: 'error', code: 'rate_limited', message: `more than ${PER_SECOND} frames per second` },
      ]);
      expect(requests).toEqual([]);
    });
  });
});
