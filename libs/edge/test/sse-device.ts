import { get, type ClientRequest } from 'node:http';
import type { ServerFrame } from '@pushwire/protocol';

/**
 * An SSE device at the wire level: frames from `data:` events are queued for `next(type)`; the
 * edge's `event: close` (the close code an SSE stream ends with) settles `closed`.
 */
export class SseDevice {
  /** The close code and reason the edge ended the stream with. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly frames: ServerFrame[] = [];
  private waiters: { type: string; resolve: (f: ServerFrame) => void }[] = [];
  private onClose!: (close: { code: number; reason: string }) => void;

  private constructor(private readonly req: ClientRequest) {
    this.closed = new Promise((resolve) => (this.onClose = resolve));
  }

  static open(url: string): Promise<SseDevice> {
    return new Promise((resolve, reject) => {
      const req = get(url, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`stream refused: ${res.statusCode}`));
          return;
        }
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          let end: number;
          while ((end = pending.indexOf('\n\n')) >= 0) {
            const event = pending.slice(0, end);
            pending = pending.slice(end + 2);
            if (event.startsWith('data: ')) device.receive(JSON.parse(event.slice(6)) as ServerFrame);
            else if (event.startsWith('event: close\ndata: ')) device.onClose(JSON.parse(event.slice('event: close\ndata: '.length)));
          }
        });
        resolve(device);
      });
      const device = new SseDevice(req);
      req.on('error', reject);
    });
  }

  next<T extends ServerFrame['type']>(type: T, timeoutMs = 5000): Promise<Extract<ServerFrame, { type: T }>> {
    const i = this.frames.findIndex((f) => f.type === type);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0] as Extract<ServerFrame, { type: T }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} event within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f as Extract<ServerFrame, { type: T }>);
        },
      });
    });
  }

  close(): void {
    this.req.destroy();
  }

  private receive(frame: ServerFrame): void {
    const i = this.waiters.findIndex((w) => w.type === frame.type);
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(frame);
    else this.frames.push(frame);
  }
}
