/** One server-sent event: its `event` field (undefined when absent or empty) and its data lines joined by `\n`. */
export interface SseEvent {
  event?: string;
  data: string;
}

/** What the parser reports. */
export interface SseHandlers {
  event(event: SseEvent): void;
  /** A `:` comment line; the edge's heartbeats are comments. */
  comment(): void;
  /** An event or an unfinished line grew past `maxChars`: the stream is broken or hostile; nothing more is parsed. */
  overflow(chars: number): void;
}

// Lines end at \r\n, \n or \r (WHATWG HTML, "Parsing an event stream").
const LINE_END = /\r\n|\n|\r/g;

/**
 * The event-stream parser of the SSE transport, as the HTML standard specifies it for the fields the
 * SDK reads (`event`, `data`, comments; `id` and `retry` are ignored: the SDK reconnects on its own
 * and resumes through its inbox and topic positions). Written here rather than taken from a package
 * to keep the browser bundle small; sse-parser.spec.ts holds it to eventsource-parser on random
 * streams cut at random places. The text comes from a TextDecoder, which already drops a BOM.
 */
export class SseParser {
  private buffer = '';
  private eventType?: string;
  private data: string[] = [];
  private dataChars = 0;
  private overflowed = false;

  /** `maxChars` bounds what the parser holds: one event's data, or a line not yet ended. */
  constructor(
    private readonly on: SseHandlers,
    private readonly maxChars = Number.POSITIVE_INFINITY,
  ) {}

  /** Feeds the next piece of the stream, cut anywhere. */
  feed(chunk: string): void {
    if (this.overflowed) return;
    const text = this.buffer + chunk;
    let start = 0;
    LINE_END.lastIndex = 0;
    for (let m = LINE_END.exec(text); m; m = LINE_END.exec(text)) {
      // A \r at the very end may be the first half of a \r\n cut by the chunking: wait for more.
      if (m[0] === '\r' && m.index === text.length - 1) break;
      this.line(text.slice(start, m.index));
      start = LINE_END.lastIndex;
    }
    this.buffer = text.slice(start);
    const held = this.buffer.length + this.dataChars;
    if (held > this.maxChars) {
      this.overflowed = true;
      this.buffer = '';
      this.data = [];
      this.on.overflow(held);
    }
  }

  private line(line: string): void {
    if (line === '') {
      const data = this.data;
      const event = this.eventType;
      this.data = [];
      this.dataChars = 0;
      this.eventType = undefined;
      if (data.length > 0) this.on.event({ ...(event ? { event } : {}), data: data.join('\n') });
      return;
    }
    if (line[0] === ':') return this.on.comment();
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
    if (field === 'data') {
      this.data.push(value);
      this.dataChars += value.length + 1;
    } else if (field === 'event') this.eventType = value;
  }
}
