import { Agent, request } from 'undici';
import { ProtocolValidationError, type Validator } from '@pushwire/protocol';
import type { TSchema, Static } from '@sinclair/typebox';
import { ServiceCallError } from './errors';
import { bearer } from './service-token';

export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  /** Retry-After in milliseconds, when the server sent one. */
  retryAfterMs?: number;
}

export interface JsonHttpClientOptions {
  /** Shared service token sent as `Authorization: Bearer …`. */
  serviceToken: string;
  /** Per-request deadline (headers and body). Default 5000 ms. */
  timeoutMs?: number;
  /** Keep-alive connections per origin. Default 16. */
  connectionsPerOrigin?: number;
  /** Pipelined requests per connection. Default 1 (no pipelining). */
  pipelining?: number;
}

/**
 * JSON over HTTP to other Pushwire services, with keep-alive pools per origin (undici). Transport
 * failures and timeouts become retriable ServiceCallErrors; any HTTP status is returned to the
 * caller, which knows what a 404 or a 410 means for its call.
 */
export class JsonHttpClient {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly authorization: string;

  constructor(opts: JsonHttpClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.authorization = bearer(opts.serviceToken);
    this.agent = new Agent({
      connections: opts.connectionsPerOrigin ?? 16,
      pipelining: opts.pipelining ?? 1,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  /**
   * Sends `body` as JSON and parses the JSON answer. With `validator`, a 2xx body is validated and
   * a body that does not match is a non-retriable ServiceCallError (a contract bug, not a blip).
   */
  async call<S extends TSchema>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    validator?: Validator<S>,
    timeoutMs = this.timeoutMs,
  ): Promise<JsonResponse<Static<S>>> {
    let res;
    try {
      res = await request(url, {
        method,
        dispatcher: this.agent,
        headers:
          body === undefined
            ? { authorization: this.authorization }
            : { authorization: this.authorization, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (e) {
      throw new ServiceCallError(`${method} ${url} failed: ${(e as Error).message}`, true, undefined, undefined, { cause: e });
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      throw new ServiceCallError(`${method} ${url}: reading the answer failed: ${(e as Error).message}`, true, res.statusCode, undefined, {
        cause: e,
      });
    }
    let parsed: unknown = undefined;
    if (text.length) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new ServiceCallError(
          `${method} ${url}: answer ${res.statusCode} is not JSON: ${text.slice(0, 200)}`,
          res.statusCode >= 500,
          res.statusCode,
          text,
        );
      }
    }
    if (validator && res.statusCode >= 200 && res.statusCode < 300) {
      try {
        parsed = validator.decode(parsed);
      } catch (e) {
        const msg = e instanceof ProtocolValidationError ? e.message : String(e);
        throw new ServiceCallError(`${method} ${url}: unexpected answer: ${msg}`, false, res.statusCode, parsed, { cause: e });
      }
    }
    const retryAfter = res.headers['retry-after'];
    const retryAfterSeconds = typeof retryAfter === 'string' ? Number(retryAfter) : NaN;
    return {
      status: res.statusCode,
      body: parsed as Static<S>,
      ...(Number.isFinite(retryAfterSeconds) ? { retryAfterMs: Math.round(retryAfterSeconds * 1000) } : {}),
    };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
