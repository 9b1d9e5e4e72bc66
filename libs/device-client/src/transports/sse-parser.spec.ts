import { createParser } from 'eventsource-parser';
import fc from 'fast-check';
import { SseParser, type SseEvent } from './sse-parser';

type Seen = ['event', SseEvent] | ['comment'];

/** What the SDK's parser reports for a stream fed in these pieces. */
function ours(pieces: string[]): Seen[] {
  const seen: Seen[] = [];
  const parser = new SseParser({
    event: (e) => void seen.push(['event', e]),
    comment: () => void seen.push(['comment']),
    overflow: () => {
      throw new Error('no overflow without a limit');
    },
  });
  for (const piece of pieces) parser.feed(piece);
  return seen;
}

/** What eventsource-parser (the package the SDK used before) reports for the same stream, fed whole. */
function reference(stream: string): Seen[] {
  const seen: Seen[] = [];
  const parser = createParser({
    onEvent: (e) => void seen.push(['event', { ...(e.event ? { event: e.event } : {}), data: e.data }]),
    onComment: () => void seen.push(['comment']),
  });
  parser.feed(stream);
  return seen;
}

const value = fc.stringMatching(/^[a-z :{}"\d]{0,12}$/);
const line = fc.oneof(
  value.map((v) => `data:${v}`),
  value.map((v) => `data: ${v}`),
  fc.constant('data'),
  value.map((v) => `event: ${v}`),
  fc.constant('event: close'),
  fc.constant('event'),
  value.map((v) => `:${v}`),
  value.map((v) => `id: ${v}`),
  fc.constant('retry: 1000'),
  value.map((v) => `other${v}`),
  fc.constant(''),
);
const stream = fc
  .array(fc.tuple(line, fc.constantFrom('\n', '\r\n', '\r')), { maxLength: 30 })
  .map((lines) => lines.map(([l, end]) => l + end).join(''));

/** The stream cut at random places (the network cuts anywhere, \r\n included). */
const cut = (text: string) =>
  fc.uniqueArray(fc.integer({ min: 0, max: text.length }), { maxLength: 8 }).map((at) => {
    const points = [0, ...at.sort((a, b) => a - b), text.length];
    return points.slice(1).map((end, i) => text.slice(points[i], end));
  });

describe('SseParser', () => {
  it('reports the events and comments eventsource-parser reports, however the stream is cut', () => {
    fc.assert(
      fc.property(
        stream.chain((text) => fc.tuple(fc.constant(text), cut(text))),
        ([text, pieces]) => {
          expect(ours(pieces)).toEqual(reference(text));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads the edge’s frames, close event and heartbeats', () => {
    const text = ': hb\n\ndata: {"type":"pong","serverTime":1}\n\nevent: close\ndata: {"code":4000,"reason":"drain"}\n\n';
    expect(ours([text])).toEqual([
      ['comment'],
      ['event', { data: '{"type":"pong","serverTime":1}' }],
      ['event', { event: 'close', data: '{"code":4000,"reason":"drain"}' }],
    ]);
  });

  it('stops at an event or a line longer than its limit, and says so once', () => {
    for (const stream of [`data: ${'x'.repeat(200)}`, `data: ${'x'.repeat(60)}\ndata: ${'x'.repeat(60)}\n`]) {
      const overflows: number[] = [];
      const events: SseEvent[] = [];
      const parser = new SseParser(
        { event: (e) => void events.push(e), comment: () => undefined, overflow: (n) => void overflows.push(n) },
        100,
      );
      parser.feed(stream);
      parser.feed('\n\ndata: later\n\n');
      expect({ events, overflows: overflows.length }).toEqual({ events: [], overflows: 1 });
    }
  });
});
