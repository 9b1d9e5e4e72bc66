import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { parseHttpResponse, type HttpAnswer } from './http-response';

/** Every hostile input goes to this host only. */
export const LOOPBACK = '127.0.0.1';

/**
 * How a raw exchange ended:
 * - `answered`: a complete HTTP response arrived (the socket may still be open, e.g. after a 101);
 * - `closed`: the server closed the connection (FIN) without a complete response;
 * - `reset`: the connection was reset or failed (ECONNRESET, EPIPE) without a complete response;
 * - `refused`: nothing listens on the port (the process is gone);
 * - `garbage`: bytes that are not an HTTP response came back;
 * - `silent`: none of the above within the deadline.
 */
export type ExchangeOutcome = 'answered' | 'closed' | 'reset' | 'refused' | 'garbage' | 'silent';

/** What one raw exchange produced. */
export interface Exchange {
  readonly outcome: ExchangeOutcome;
  readonly answer?: HttpAnswer;
  /** Bytes after the response (WebSocket frames after a 101). */
  readonly rest: Buffer;
  /** Everything received, for reports (the first 300 bytes as text). */
  readonly receivedText: string;
  readonly elapsedMs: number;
  /** The socket, still open, when `keepOpen` was asked and the outcome is `answered`; else destroyed. */
  readonly socket?: net.Socket;
  /** The socket error's code for `reset` and `refused`. */
  readonly errorCode?: string;
}

/** Options of `exchange`. */
export interface ExchangeOptions {
  /** Give up waiting for an answer after this long: the outcome is then `silent`. */
  readonly deadlineMs: number;
  /** Pause between segments so each leaves as its own TCP segment (the input under test, not a wait). Default 0. */
  readonly gapMs?: number;
  /** Keep the socket open after an answer (for a 101 Switching Protocols). Default false. */
  readonly keepOpen?: boolean;
  /** Settle once the status line and headers are in (for streams such as SSE, whose body never ends). Default false. */
  readonly headersOnly?: boolean;
}

/**
 * Connects to 127.0.0.1:`port`, writes `segments` one after another (Nagle off, `gapMs` apart) and
 * reads until a complete HTTP response arrives, the server closes or resets, or the deadline passes.
 * Never rejects: how it went is the result.
 */
export function exchange(port: number, segments: readonly (Buffer | string)[], opts: ExchangeOptions): Promise<Exchange> {
  const started = Date.now();
  const socket = net.connect({ host: LOOPBACK, port, noDelay: true });
  let received = Buffer.alloc(0);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: ExchangeOutcome, ended: boolean, errorCode?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      let parsed;
      try {
        parsed = parseHttpResponse(received, ended || (opts.headersOnly === true && outcome === 'answered'));
      } catch {
        outcome = 'garbage';
      }
      if (parsed?.answer && outcome !== 'garbage') outcome = 'answered';
      const keep = outcome === 'answered' && opts.keepOpen === true && !ended;
      if (keep) {
        // The caller takes the socket over with listeners of its own.
        socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
      } else socket.destroy();
      resolve({
        outcome,
        answer: parsed?.answer,
        rest: parsed?.rest ?? Buffer.alloc(0),
        receivedText: received.subarray(0, 300).toString('latin1'),
        elapsedMs: Date.now() - started,
        ...(keep ? { socket } : {}),
        ...(errorCode ? { errorCode } : {}),
      });
    };
    const timer = setTimeout(() => settle('silent', false), opts.deadlineMs);
    timer.unref();
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      let parsed;
      try {
        parsed = parseHttpResponse(received, opts.headersOnly === true);
      } catch {
        settle('garbage', false);
        return;
      }
      if (parsed) {
        // Whatever the caller reads next (WebSocket frames) must not be lost while it takes over.
        if (opts.keepOpen) socket.pause();
        settle('answered', false);
      }
    };
    const onEnd = () => settle('closed', true);
    const onError = (err: NodeJS.ErrnoException) => settle(err.code === 'ECONNREFUSED' ? 'refused' : 'reset', true, err.code);
    socket.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError);
    void writeSegments(socket, segments, opts.gapMs ?? 0);
  });
}

async function writeSegments(socket: net.Socket, segments: readonly (Buffer | string)[], gapMs: number): Promise<void> {
  for (let i = 0; i < segments.length; i++) {
    if (socket.destroyed) return;
    if (i > 0 && gapMs > 0) await delay(gapMs, undefined, { ref: false });
    if (socket.destroyed) return;
    // A write error surfaces as the socket's 'error' event, which settles the exchange.
    socket.write(segments[i]!);
  }
}
