import { context, propagation } from '@opentelemetry/api';
import { Agent, request } from 'undici';
import { ProtocolValidationError, type Validator } from '@pushwire/protocol';
import type { Static, TSchema } from '@sinclair/typebox';
import { bearer } from './bearer';
import { ServiceCallError } from './service-call-error';

/** An answer of another service: any status, its body parsed. */
export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  /** Retry-After in milliseconds, when the server sent one. */
  retryAfterMs?: number;
}

/** Options of JsonHttpClient; each field states its default. */
export interface JsonHttpClientOptions {
  /** Shared service token sent as `Authorization: Bearer …`. Required. */
  serviceToken: string;
  /** Per-request deadline (headers, then the body). Default 5000 ms. */
  timeoutMs?: number;
  /** Keep-alive connections per origin. Default 16. */
  connectionsPerOrigin?: number;
  /** Pipelined requests per connection. Default 1 (no pipelining). */
  pipelining?: number;
}

/** What every service client takes per call. */
export interface ServiceCallOptions {
  /** Deadline of this call. Default: the client's. */
  timeoutMs?: number;
  /** Ends the call early; it then rejects with a retriable `unreachable` ServiceCallError. */
  signal?: AbortSignal;
}

/** One JSON call. */
export interface JsonCall<S extends TSchema> extends ServiceCallOptions {
  /** Sent as JSON; none for GET and DELETE. */
  body?: unknown;
  /** Validates the body of a 2xx answer; a body off the schema is a non-retriable `invalid_response`. */
  validator?: Validator<S>;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * JSON over HTTP to other Pushwire services, with keep-alive pools per origin (undici). Answers of
 * any status are returned: what a 404 or a 410 means is the calling client's to say. It rejects
 * with a ServiceCallError only when there is no usable answer: `unreachable` (retriable) when
 * nothing answered in time or the call was aborted, `invalid_response` when the body is not JSON
 * (retriable on 5xx: a proxy answered) or a 2xx body fails `validator` (not retriable: a contract
 * bug, not a blip).
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
      // Below every server's idle timeout (uWS closes idle HTTP connections after 10 s and sends no
      // Keep-Alive hint; Node's servers after 5 s, with the hint): a pooled connection the server
      // is closing just as a POST goes out fails it with "other side closed" (seen on the edge's
      // /v1/deliver under load), and a POST is not retried on another connection.
      keepAliveTimeout: 4_000,
    });
  }

  async call<S extends TSchema = TSchema>(method: Method, url: string, call: JsonCall<S> = {}): Promise<JsonResponse<Static<S>>> {
    const { body, validator, signal, timeoutMs = this.timeoutMs } = call;
    const what = `${method} ${url}`;
    const headers: Record<string, string> =
      body === undefined
        ? { authorization: this.authorization }
        : { authorization: this.authorization, 'content-type': 'application/json' };
    // W3C traceparent/tracestate of the caller's span, so the called service joins its trace; a
    // no-op (nothing written) unless the process registered a propagator (startTracing).
    propagation.inject(context.active(), headers);
    let res;
    try {
      res = await request(url, {
        method,
        dispatcher: this.agent,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal,
      });
    } catch (e) {
      throw unreachable(`${what} ${signal?.aborted ? 'aborted' : `failed: ${messageOf(e)}`}`, e);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      throw unreachable(`${what}: reading the answer ${signal?.aborted ? 'aborted' : `failed: ${messageOf(e)}`}`, e, res.statusCode);
    }
    let parsed: unknown = undefined;
    if (text.length) {
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new ServiceCallError('invalid_response', `${what}: answer ${res.statusCode} is not JSON: ${text.slice(0, 200)}`, {
          retriable: res.statusCode >= 500,
          status: res.statusCode,
          body: text,
          cause: e,
        });
      }
    }
    if (validator && res.statusCode >= 200 && res.statusCode < 300) {
      try {
        parsed = validator.decode(parsed);
      } catch (e) {
        const msg = e instanceof ProtocolValidationError ? e.message : String(e);
        throw new ServiceCallError('invalid_response', `${what}: unexpected answer: ${msg}`, {
          status: res.statusCode,
          body: parsed,
          cause: e,
        });
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

function unreachable(message: string, cause: unknown, status?: number): ServiceCallError {
  return new ServiceCallError('unreachable', message, { cause, ...(status !== undefined ? { status } : {}) });
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
