import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCodes, type ErrorCode } from '@pushwire/protocol';

// The edge's refusals as the device sees them: `{"error":{code,message,retriable}}`, Retry-After.

function errorJson(code: ErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message, retriable: ErrorCodes[code].retriable } });
}

/** Refuses a WebSocket upgrade with an HTTP status and the standard JSON error body. */
export function refuseSocket(socket: Socket, status: number, code: ErrorCode, message: string, retryAfterSeconds?: number): void {
  const body = errorJson(code, message);
  const retry = retryAfterSeconds !== undefined ? `Retry-After: ${retryAfterSeconds}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}Connection: close\r\n\r\n${body}`,
  );
}

/** Answers an HTTP request with the standard JSON error body. */
export function sendJsonError(res: ServerResponse, status: number, code: ErrorCode, message: string, retryAfterSeconds?: number): void {
  res.writeHead(status, {
    'Content-Type': 'application/json',
    ...(retryAfterSeconds !== undefined ? { 'Retry-After': String(retryAfterSeconds) } : {}),
  });
  res.end(errorJson(code, message));
}
