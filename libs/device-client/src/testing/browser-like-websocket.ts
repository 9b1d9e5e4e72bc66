import { WebSocket } from 'ws';

/**
 * A WebSocket as browsers (and Node 22's global WebSocket) have it, for tests in Node: the DOM
 * surface only (no headers, no `on`, no `terminate`), and a refused upgrade is a bare 1006 close
 * whatever the HTTP status — the browser hides the 401. The SDK treats it as it treats a browser's.
 */
export class BrowserLikeWebSocket {
  private readonly ws: WebSocket;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    // A browser reports a failed upgrade as an 'error' event without any detail, then a 1006 close.
    this.ws.on('error', () => undefined);
  }

  get readyState(): number {
    return this.ws.readyState;
  }

  send(data: string): void {
    this.ws.send(data);
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }

  addEventListener(type: 'open' | 'message' | 'error' | 'close', listener: (event: never) => void): void {
    if (type === 'error') this.ws.addEventListener('error', () => (listener as (e: object) => void)({}));
    else this.ws.addEventListener(type, listener as never);
  }
}

/** A BrowserLikeWebSocket constructor of its own, with the URLs it was asked to open (one per connection attempt). */
export function countingBrowserWebSocket(): { WebSocket: typeof BrowserLikeWebSocket; urls: string[] } {
  const urls: string[] = [];
  class Counting extends BrowserLikeWebSocket {
    constructor(url: string) {
      super(url);
      urls.push(url);
    }
  }
  return { WebSocket: Counting, urls };
}
