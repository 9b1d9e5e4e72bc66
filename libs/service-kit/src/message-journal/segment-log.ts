/** Byte 0 of every segment and the end of every line: a line starts right after a newline. */
const NEWLINE = 0x0a;
/** What a line adds to its key and text: the time offset (at most ~16 digits), two tabs and the newline. */
const LINE_OVERHEAD = 20;
/**
 * Lines are gathered in a JS string and written to the buffer in one native call per this many
 * bytes (upper bound): a call per line cost about as much as encoding the line (measured).
 */
const FLUSH_BYTES = 16 * 1024;

/** One preallocated buffer of lines and the clock reading its line times are relative to. */
interface Segment {
  buf: Buffer | undefined;
  /** Bytes written (the first is the leading newline). */
  used: number;
  /** Epoch ms the segment was (re)started at: its lines store their time as an offset from it. */
  baseAt: number;
}

/**
 * An append-only log of timed, keyed text lines (`key \t time \t text \n`) in two fixed-size
 * buffers, a young and an old generation: when the young one cannot take the next line it becomes
 * the old one, and the old one's buffer is reused, from its start, as the young one. So it holds
 * between one and two segments' worth of the newest lines and forgets the oldest half at once, with
 * no per-line object on the JS heap: the buffers live outside it, the garbage collector never walks
 * them and nothing is ever promoted. A line's time is stored as an offset from its segment's start
 * (a short small integer, cheap to write).
 *
 * Lines are gathered in a string and written a few kilobytes at a time (a native call per line
 * cost as much as encoding it). Keys must not contain a tab or a newline, texts no newline (callers
 * encode them so); a line that may be longer than a segment is dropped. Buffers are allocated on first use (a process that never
 * appends pays nothing) and never zeroed: only the written part of each is searched.
 */
export class SegmentLog {
  private young: Segment = { buf: undefined, used: 0, baseAt: 0 };
  private old: Segment = { buf: undefined, used: 0, baseAt: 0 };
  /** Lines appended to the young segment but not written yet, and an upper bound of their bytes. */
  private pending = '';
  private pendingBytes = 0;

  /** `segmentBytes`: the size of each of the two buffers (the log holds at most twice that). */
  constructor(private readonly segmentBytes: number) {}

  /** Bytes of lines held now. */
  get bytesUsed(): number {
    this.flush();
    return this.young.used + this.old.used;
  }

  /** Appends the line of `key`, at time `now` (epoch ms), with `text`. */
  append(key: string, now: number, text: string): void {
    // An upper bound of the UTF-8 length without measuring it: keys are ASCII, text ≤ 3 bytes per UTF-16 unit.
    const maxBytes = key.length + 3 * text.length + LINE_OVERHEAD;
    if (maxBytes > this.segmentBytes - 1) return;
    let young = this.young;
    if (young.buf === undefined || young.used + this.pendingBytes + maxBytes > this.segmentBytes) {
      this.flush();
      young = this.rotate(now);
    }
    this.pending += `${key}\t${now - young.baseAt}\t${text}\n`;
    this.pendingBytes += maxBytes;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** Writes the pending lines into the young segment: one native call for many lines. */
  private flush(): void {
    if (this.pendingBytes === 0) return;
    const young = this.young;
    young.used += young.buf!.write(this.pending, young.used);
    this.pending = '';
    this.pendingBytes = 0;
  }

  /**
   * Calls `visit` with the time and text of every line of `key`, oldest first. The search is the
   * native Buffer.indexOf over the written bytes (milliseconds for tens of megabytes), not a walk
   * over JS objects; only the lines found are decoded.
   */
  scan(key: string, visit: (at: number, text: string) => void): void {
    this.flush();
    const needle = Buffer.from(`\n${key}\t`, 'latin1');
    for (const segment of [this.old, this.young]) {
      if (segment.buf === undefined) continue;
      const written = segment.buf.subarray(0, segment.used);
      let at = written.indexOf(needle);
      while (at !== -1) {
        const start = at + needle.length;
        const end = written.indexOf(NEWLINE, start);
        const line = written.toString('utf8', start, end);
        const tab = line.indexOf('\t');
        visit(segment.baseAt + Number(line.slice(0, tab)), line.slice(tab + 1));
        at = written.indexOf(needle, end);
      }
    }
  }

  /** The young segment becomes the old one (none on first use); the old one's buffer starts over as the young one. */
  private rotate(now: number): Segment {
    if (this.young.buf !== undefined) [this.old, this.young] = [this.young, this.old];
    const young = this.young;
    young.buf ??= Buffer.allocUnsafeSlow(this.segmentBytes);
    young.buf[0] = NEWLINE;
    young.used = 1;
    young.baseAt = now;
    return young;
  }
}
