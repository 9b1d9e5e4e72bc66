import type { HttpResponse, WebSocket } from '@pushwire/uws';
import { encodeFrame, type ErrorCode, type ServerFrame } from '@pushwire/protocol';
import { Connection, Phase, Transport, type SocketData } from './connection';

/** What happened to one frame written to a device. */
export const SendOutcome = { Written: 0, Buffered: 1, Dropped: 2 } as const;
export type SendOutcome = (typeof SendOutcome)[keyof typeof SendOutcome];

const ws = (c: Connection) => c.socket as WebSocket<SocketData>;
const sse = (c: Connection) => c.socket as HttpResponse;

/** One SSE event per frame; `data:` lines cannot contain newlines, and JSON.stringify emits none. */
export const sseEvent = (text: string): string => `data: ${text}\n\n`;

// The frame sendFrame writes in its corked callback: module state, so no closure per frame. The
// callback runs synchronously inside cork(); the result is read before anything else can send.
let corkSocket: WebSocket<SocketData> | undefined;
let corkText = '';
let corkResult = 0;
function sendCorked(): void {
  corkResult = corkSocket!.send(corkText, false, false);
}

/**
 * Writes one text frame to a device, WebSocket or SSE alike, corked (one syscall per batch of
 * writes). `Buffered` means it was queued behind earlier data; `Dropped` that the buffer limit was hit.
 */
export function sendFrame(c: Connection, text: string): SendOutcome {
  if (c.phase === Phase.Closed || !c.socket) return SendOutcome.Dropped;
  if (c.transport === Transport.WebSocket) {
    // One shared corked callback instead of a closure per frame (the fan-out hot path sends many).
    corkSocket = ws(c);
    corkText = text;
    corkSocket.cork(sendCorked);
    const r = corkResult;
    corkSocket = undefined;
    corkText = '';
    return r === 1 ? SendOutcome.Written : r === 0 ? SendOutcome.Buffered : SendOutcome.Dropped;
  }
  let ok = false;
  sse(c).cork(() => {
    ok = sse(c).write(sseEvent(text));
  });
  if (!ok) c.sseBlocked = true;
  return ok ? SendOutcome.Written : SendOutcome.Buffered;
}

/** Encodes one server frame and writes it (see sendFrame). */
export function sendServerFrame(c: Connection, frame: ServerFrame): SendOutcome {
  return sendFrame(c, encodeFrame(frame));
}

/** Writes an `error` frame; `reqId`, when given, names the request it answers. */
export function sendErrorFrame(c: Connection, code: ErrorCode, message: string, reqId?: string): void {
  sendServerFrame(c, { type: 'error', code, message, ...(reqId ? { reqId } : {}) });
}

/** Bytes waiting in the connection's send buffer (SSE: unknown, so blocked counts as over any limit). */
export function bufferedBytes(c: Connection): number {
  if (!c.socket || c.phase === Phase.Closed) return 0;
  if (c.transport === Transport.WebSocket) return ws(c).getBufferedAmount();
  return c.sseBlocked ? Number.MAX_SAFE_INTEGER : 0;
}

/**
 * Closes a connection with a close code. SSE has no close frame, so the stream ends with a `close`
 * event carrying the same code and reason, then the response ends.
 */
export function closeConnection(c: Connection, code: number, reason: string): void {
  if (c.phase === Phase.Closed || !c.socket) return;
  if (c.transport === Transport.WebSocket) {
    const socket = ws(c);
    socket.cork(() => socket.end(code, reason));
    return;
  }
  const res = sse(c);
  res.cork(() => {
    res.write(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
    res.end();
  });
}

/** Writes an SSE comment line: keeps proxies from timing the stream out and lets devices see life. */
export function sseHeartbeat(c: Connection): void {
  if (c.transport !== Transport.Sse || c.phase === Phase.Closed || !c.socket || c.sseBlocked) return;
  const res = sse(c);
  res.cork(() => {
    if (!res.write(': hb\n\n')) c.sseBlocked = true;
  });
}
