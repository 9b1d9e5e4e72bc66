import type { ErrorCode } from '@pushwire/protocol';
import type { HttpRequest } from '@pushwire/uws';

/** The headers of a WebSocket handshake the edge checks, read before any await. */
export interface HandshakeHeaders {
  method: string;
  upgrade: string;
  connection: string;
  version: string;
  key: string;
}

/** Why a handshake is refused: the catalogue code (400 or 426), a message, and headers to add. */
export interface HandshakeProblem {
  code: Extract<ErrorCode, 'invalid_handshake' | 'unsupported_websocket_version'>;
  message: string;
  headers?: Record<string, string>;
}

/** Base64 of exactly 16 bytes (RFC 6455 §4.1): 21 free characters, one that leaves 4 zero bits, "==". */
const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/** Reads the handshake headers; must run synchronously in the uWS handler (HttpRequest dies after it). */
export function handshakeHeaders(req: HttpRequest): HandshakeHeaders {
  return {
    method: req.getMethod(),
    upgrade: req.getHeader('upgrade'),
    connection: req.getHeader('connection'),
    version: req.getHeader('sec-websocket-version'),
    key: req.getHeader('sec-websocket-key'),
  };
}

/** Whether a comma-separated header lists `token` (case-insensitive), as Connection and Upgrade do. */
function lists(header: string, token: string): boolean {
  // The usual header is the token alone ("websocket", "Upgrade"); a list of the same length cannot hold it.
  if (header.length === token.length) return header.toLowerCase() === token;
  return header.split(',').some((t) => t.trim().toLowerCase() === token);
}

/**
 * What is wrong with a WebSocket handshake, or undefined when it is one RFC 6455 allows. uWS upgrades
 * whatever its `upgrade` handler accepts (any version, no Upgrade header, a key of 24 arbitrary
 * characters), so the edge checks before doing any auth work. Whether it is a WebSocket request at
 * all comes first; only a WebSocket request is told which version to speak.
 */
export function handshakeProblem(h: HandshakeHeaders): HandshakeProblem | undefined {
  if (h.method.toUpperCase() !== 'GET') return invalid('a WebSocket handshake is a GET request');
  if (!lists(h.upgrade, 'websocket')) return invalid('a WebSocket handshake needs the header Upgrade: websocket');
  if (!lists(h.connection, 'upgrade')) return invalid('a WebSocket handshake needs the header Connection: Upgrade');
  if (h.version !== '13')
    return {
      code: 'unsupported_websocket_version',
      message: 'only WebSocket version 13 (RFC 6455) is supported: send Sec-WebSocket-Version: 13',
      headers: { 'sec-websocket-version': '13' },
    };
  if (!KEY.test(h.key)) return BAD_KEY;
  return undefined;
}

function invalid(message: string): HandshakeProblem {
  return { code: 'invalid_handshake', message };
}

const BAD_KEY: HandshakeProblem = {
  code: 'invalid_handshake',
  message: 'Sec-WebSocket-Key must be 16 random bytes in base64 (24 characters)',
};

/**
 * The answer to a request for the WebSocket endpoint that uWS did not hand to `upgrade`: it does so
 * only for a Sec-WebSocket-Key of 24 characters, so a request whose other headers pass has a bad key.
 */
export function handshakeRefusal(h: HandshakeHeaders): HandshakeProblem {
  return handshakeProblem(h) ?? BAD_KEY;
}
