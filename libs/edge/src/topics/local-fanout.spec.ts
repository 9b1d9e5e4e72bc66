import { Phase, type Connection } from '../connection';
import { fakeSseConnection, FakeUwsApp, fakeWebSocketConnection } from '../testing/fake-sockets';
import { LocalTopicFanout } from './local-fanout';
import { LocalSubscribers } from './local-subscribers';

// LocalTopicFanout over fake sockets and a fake uWS app standing in for its topic tree.

function setup() {
  const app = new FakeUwsApp();
  const table: Connection[] = [];
  const subscribers = new LocalSubscribers(
    () => app.app,
    (visit) => table.forEach(visit),
  );
  const fanout = new LocalTopicFanout(() => app.app, subscribers);
  const open = (c: Connection) => {
    table.push(c);
    subscribers.opened(c);
    return c;
  };
  const ws = (id: string, deviceType = 'tv') => {
    const { c, socket } = fakeWebSocketConnection(id);
    c.deviceType = deviceType;
    app.sockets.push(socket);
    return { c: open(c), socket };
  };
  const sse = (id: string, deviceType = 'tv') => {
    const { c, stream } = fakeSseConnection(id);
    c.deviceType = deviceType;
    return { c: open(c), stream };
  };
  return { app, subscribers, fanout, ws, sse };
}

describe('LocalTopicFanout', () => {
  it("publishes once to uWS for the WebSocket subscribers and writes each SSE subscriber's stream", () => {
    const { app, subscribers, fanout, ws, sse } = setup();
    const a = ws('a');
    const b = sse('b');
    const other = ws('c');
    subscribers.add(a.c, 'live:m1');
    subscribers.add(b.c, 'live:m1');
    subscribers.add(other.c, 'live:m2');
    expect(fanout.publish('live:m1', '{"type":"topic.message"}')).toBe(2);
    expect(app.published).toEqual([{ topic: 'live:m1', frame: '{"type":"topic.message"}' }]);
    expect(a.socket.sent).toEqual(['{"type":"topic.message"}']);
    expect(b.stream.written).toEqual(['data: {"type":"topic.message"}\n\n']);
    expect(other.socket.sent).toEqual([]);
  });

  it('publishes nothing to uWS for a topic without WebSocket subscribers', () => {
    const { app, fanout } = setup();
    expect(fanout.publish('nobody', 'x')).toBe(0);
    expect(app.published).toEqual([]);
  });

  it('broadcasts to every device type seen here, WebSocket and SSE, or only to the named types', () => {
    const { app, fanout, ws, sse } = setup();
    const tv = ws('tv1', 'tv');
    const phone = ws('p1', 'phone');
    const tvStream = sse('tv2', 'tv');
    const phoneStream = sse('p2', 'phone');
    expect(fanout.broadcast('all', undefined)).toBe(4);
    expect(app.published.map((p) => p.topic).sort()).toEqual(['$type:phone', '$type:tv']);
    expect(fanout.broadcast('tvs', ['tv', 'tv', 'car'])).toBe(2);
    expect(tv.socket.sent).toEqual(['all', 'tvs']);
    expect(phone.socket.sent).toEqual(['all']);
    expect(tvStream.stream.written).toEqual(['data: all\n\n', 'data: tvs\n\n']);
    expect(phoneStream.stream.written).toEqual(['data: all\n\n']);
  });

  it("subscribes a device type's WebSockets to its broadcast topic only once the type has had a broadcast here", () => {
    const { app, subscribers, fanout, ws } = setup();
    const tv = ws('tv1', 'tv');
    const phone = ws('p1', 'phone');
    // No broadcast yet: no uWS subscription (about 220 B of native memory per socket) and nothing counted against the limit.
    expect(tv.socket.getTopics()).toEqual([]);
    subscribers.add(tv.c, 'live:m1');
    expect(subscribers.countOf(tv.c)).toBe(1);

    expect(fanout.broadcast('tvs', ['tv'])).toBe(1);
    expect(tv.socket.sent).toEqual(['tvs']);
    expect(tv.socket.isSubscribed('$type:tv')).toBe(true);
    expect(subscribers.countOf(tv.c)).toBe(1); // the broadcast topic is not one of its own
    expect(phone.socket.getTopics()).toEqual([]); // a type not broadcast to stays unsubscribed

    // A WebSocket of a type broadcast to before joins at open and gets the next broadcast.
    const late = ws('tv2', 'tv');
    expect(late.socket.isSubscribed('$type:tv')).toBe(true);
    expect(fanout.broadcast('all', undefined)).toBe(3);
    expect(late.socket.sent).toEqual(['all']);
    expect(phone.socket.sent).toEqual(['all']);
    expect(app.published.map((p) => p.topic)).toEqual(['$type:tv', '$type:tv', '$type:phone']);
  });

  it('forgets a closed SSE stream for broadcasts', () => {
    const { fanout, subscribers, sse } = setup();
    const s = sse('s1');
    s.c.phase = Phase.Closed;
    subscribers.closed(s.c);
    expect(fanout.broadcast('x', undefined)).toBe(0);
    expect(s.stream.written).toEqual([]);
  });
});
