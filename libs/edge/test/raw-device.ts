import { get, type ClientRequest } from 'node:http';
import WebSocket from 'ws';
import type { ServerFrame } from '@pushwire/protocol';

type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

/**
 * What a wire-level device received, queued so a test can await the next frame of a type: the
 * WebSocket and the SSE device differ only in how frames arrive.
 */
abstract class FrameQueue {
  /** Frames received and not yet taken by `next`. */
  readonly frames: ServerFrame[] = [];
  private waiters: { type: string; resolve: (f: ServerFrame) => void }[] = [];

  protected receive(frame: ServerFrame): void {
    const i = this.waiters.findIndex((w) => w.type === frame.type);
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(frame);
    else this.frames.push(frame);
  }

  /** The next frame of `type` (already received or yet to come). */
  next<T extends ServerFrame['type']>(type: T, timeoutMs = 5000): Promise<FrameOf<T>> {
    const i = this.frames.findIndex((f) => f.type === type);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0] as FrameOf<T>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${type} frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`)),
        timeoutMs,
      );
      this.waiters.push({
        type,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f as FrameOf<T>);
        },
      });
    });
  }
}

/** An upgrade request's outcome: accepted (and closed at once), or the HTTP refusal with its JSON body. */
export type UpgradeAttempt =
  | { accepted: true }
  | { accepted: false; refusal: { status: number; headers: Record<string, unknown>; body: { error: { code: string; message: string } } } };

/** One upgrade request to `url`, closed at once if accepted. */
export function upgradeAttempt(url: string, headers: Record<string, string> = {}): Promise<UpgradeAttempt> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve({ accepted: true });
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () =>
        resolve({ accepted: false, refusal: { status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) } }),
      );
    });
  });
}

/**
 * A device at the wire level (the `ws` library, no SDK), for tests that check exactly what the edge
 * sends and how it closes. Frames are queued so a test can await the next one of a type.
 */
export class RawDevice extends FrameQueue {
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('edge sent a binary frame');
      this.receive(JSON.parse(data.toString()) as ServerFrame);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Opens a socket; resolves once upgraded (use `refusal` for upgrades that must be refused). */
  static async connect(url: string, headers: Record<string, string> = {}): Promise<RawDevice> {
    const ws = new WebSocket(url, { headers });
    const device = new RawDevice(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return device;
  }

  /** Attempts an upgrade that must be refused; returns the HTTP status, headers and JSON body. */
  static async refusal(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<Extract<UpgradeAttempt, { accepted: false }>['refusal']> {
    const attempt = await upgradeAttempt(url, headers);
    if (attempt.accepted) throw new Error('the upgrade was accepted');
    return attempt.refusal;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  close(): void {
    this.ws.close();
  }
}

/** An SSE device at the wire level: frames from `data:` events are queued for `next(type)`. */
export class SseDevice extends FrameQueue {
  /** The close code and reason the edge ended the stream with (its `event: close`). */
  readonly closed: Promise<{ code: number; reason: string }>;
  private onClose!: (close: { code: number; reason: string }) => void;

  private constructor(private readonly req: ClientRequest) {
    super();
    this.closed = new Promise((resolve) => (this.onClose = resolve));
  }

  /** Opens the event stream; resolves once the edge answered 200. */
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

  close(): void {
    this.req.destroy();
  }
}

/** POST /v1/deliver on an edge's internal port. */
export async function deliver(
  internalUrl: string,
  serviceToken: string,
  body: unknown,
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${internalUrl}/v1/deliver`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}
