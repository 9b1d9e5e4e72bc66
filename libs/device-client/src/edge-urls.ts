import { DeviceClientError, toClientError } from './errors';

/** What a URL function is told each time it is asked where to connect. */
export interface EdgeUrlRequest {
  /** Failed attempts in a row since the last `welcome` (0 for the first connect and after a drop). */
  attempt: number;
  /** The edge of the connection or attempt that just ended, if any: a resolver may pick another. */
  previous?: string;
}

/**
 * Where to connect: one edge base URL, a list of edges to fail over between, or a function asked
 * before every attempt (sync or async), e.g. one that asks a discovery service.
 */
export type EdgeUrlOption = string | readonly string[] | ((request: EdgeUrlRequest) => string | Promise<string>);

/** Checks one edge URL: absolute, http(s) or ws(s). */
export function checkEdgeUrl(url: unknown, where = 'url'): string {
  if (typeof url !== 'string') throw new DeviceClientError('invalid_options', `${where} must be a string URL, got ${typeof url}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw toClientError(e, 'invalid_options', `${where} "${url}" is not an absolute URL`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    throw new DeviceClientError('invalid_options', `${where} "${url}" must be http(s):// or ws(s)://`);
  }
  return url;
}

/**
 * The edges a client may use and which one is next. With a list, every reconnect moves on to the
 * next edge in list order (a drop, a failed connect, a refusal: the edge that just failed is the
 * least likely to work), so a dead edge costs one attempt before the next is tried; Retry-After of
 * a 503 is remembered per edge, so only a return to that edge waits for it. A function is asked
 * afresh before every attempt. `count` feeds the backoff: a full round over the list counts as one
 * step, so trying every edge once is quick and backing off starts when all of them failed.
 */
export class EdgeUrls {
  private readonly list?: readonly string[];
  private readonly resolver?: (request: EdgeUrlRequest) => string | Promise<string>;
  private index = 0;
  /** Per edge: not before this time (ms since epoch), from a 503's Retry-After. */
  private readonly notBefore = new Map<string, number>();
  private last?: string;

  constructor(
    option: EdgeUrlOption,
    private readonly now: () => number = Date.now,
  ) {
    if (typeof option === 'function') {
      this.resolver = option;
    } else if (typeof option === 'string') {
      this.list = [checkEdgeUrl(option)];
    } else if (Array.isArray(option) && option.length > 0) {
      this.list = option.map((u, i) => checkEdgeUrl(u, `url[${i}]`));
    } else {
      throw new DeviceClientError('invalid_options', 'url must be a URL, a non-empty list of URLs, or a function returning one');
    }
  }

  /** Edges in one round of failover: the list's length; 1 for a function (each failure backs off). */
  get count(): number {
    return this.list?.length ?? 1;
  }

  /** The edge of the current (or last) connection. */
  get current(): string | undefined {
    return this.last;
  }

  /** The URL for the next attempt; asks the function, if that is what the client was given. */
  async resolve(attempt: number): Promise<string> {
    if (this.list) return (this.last = this.list[this.index]!);
    let url: string;
    try {
      url = await this.resolver!({ attempt, ...(this.last !== undefined ? { previous: this.last } : {}) });
    } catch (e) {
      throw toClientError(e, 'connect_failed', 'the url function failed');
    }
    return (this.last = checkEdgeUrl(url, 'the url function’s answer'));
  }

  /**
   * The connection or attempt on the current edge ended: remembers its Retry-After (the edge will
   * refuse until then) and returns how long the edge to be tried next asked to wait (0 if it did
   * not). That is the next edge of a list; for a function, whose next answer is unknown, the last
   * edge, so a resolver that answers the same edge again does not make the client ignore Retry-After.
   */
  ended(retryAfterMs: number | undefined): number {
    const failed = this.last;
    // One reading of the clock: the wait for an edge that just answered is exactly its Retry-After.
    const now = this.now();
    if (failed !== undefined && retryAfterMs !== undefined) this.notBefore.set(failed, now + retryAfterMs);
    const next = this.list ? this.list[(this.index + 1) % this.list.length]! : failed;
    const until = next === undefined ? undefined : this.notBefore.get(next);
    if (until === undefined) return 0;
    const wait = until - now;
    if (wait <= 0) this.notBefore.delete(next!);
    return Math.max(0, wait);
  }

  /** The client reconnects elsewhere: the next attempt goes to the next edge of the list. */
  advance(): void {
    if (this.list) this.index = (this.index + 1) % this.list.length;
  }
}
