import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rejectionOf } from '@pushwire/test-kit';
import { ServiceCallError } from '../service-call-error';

/** One request a StubService received. */
export interface StubRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  authorization?: string;
  /** The body parsed as JSON; undefined when there was none. */
  body: unknown;
}

/**
 * What a StubService answers: a status with a JSON `body` (or raw `text`), or `'hang'` — no answer
 * at all, the request stays open until the client gives up or the stub closes.
 */
export type StubAnswer = { status: number; body?: unknown; text?: string; headers?: Record<string, string> } | 'hang';

/**
 * A stand-in for any Pushwire service on a real socket (port 0): every request is recorded, and
 * `answer` — set by each test — decides the response. For client specs: what a client sends, and
 * how it reads each kind of answer, over real HTTP.
 */
export class StubService {
  readonly requests: StubRequest[] = [];
  answer: (req: StubRequest) => StubAnswer = () => ({ status: 404 });

  private readonly server: Server;
  private port = 0;
  /** Callers of received() waiting for a request count. */
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  private constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => res.destroy(e instanceof Error ? e : new Error(String(e))));
    });
  }

  static async start(): Promise<StubService> {
    const stub = new StubService();
    await stub.listen();
    return stub;
  }

  /**
   * One stub for the tests of a spec file or describe block, in jest hooks: listening before the
   * first test, its recorded requests forgotten before each, closed after the last. Call it where a
   * `let stub` and those three hooks would go; read `url` in tests and hooks only.
   */
  static forTests(): StubService {
    const stub = new StubService();
    beforeAll(() => stub.listen());
    beforeEach(() => {
      stub.requests.length = 0;
    });
    afterAll(() => stub.close());
    return stub;
  }

  /** Base URL of the stub, with no trailing slash. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves once `count` requests have arrived in all (at once if they have): a hanging call is under way. */
  received(count = 1): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }

  private async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const request: StubRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      body: text ? JSON.parse(text) : undefined,
    };
    this.requests.push(request);
    for (const waiter of this.waiters.filter((w) => w.count <= this.requests.length)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const answer = this.answer(request);
    if (answer === 'hang') return;
    const body = answer.text ?? (answer.body === undefined ? undefined : JSON.stringify(answer.body));
    const type = answer.text === undefined ? 'application/json' : 'text/plain';
    res.writeHead(answer.status, { ...(body === undefined ? {} : { 'content-type': type }), ...answer.headers }).end(body);
  }
}

/** A URL on which nothing listens: a port was free a moment ago and is closed again. */
export async function unusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  return `http://127.0.0.1:${port}`;
}

/** The rejection of `call`, which must be a ServiceCallError (anything else, or no rejection, throws). */
export function serviceCallFailure(call: Promise<unknown>): Promise<ServiceCallError> {
  return rejectionOf(call, ServiceCallError);
}
