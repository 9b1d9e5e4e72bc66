import { DEFAULT_MAX_SERVER_FRAME_CHARS, encodeFrame, type ClientFrame } from '@pushwire/protocol/core';
import { DeviceClientError, httpError, toClientError } from '../errors';
import { SseParser } from './sse-parser';
import { ConnectionEnd, endpointUrl, type Transport, type TransportParams } from './transport';

/** The fetch the SSE transport uses: global fetch or an injected one (tests, polyfills). */
export type FetchLike = typeof fetch;

/**
 * Server-sent events for networks where WebSockets do not pass: frames arrive on a streaming
 * `GET {baseUrl}/v1/events` (one SSE event per frame, `: hb` comments as heartbeats); device frames
 * go out as `POST {baseUrl}/v1/frames`. Uses fetch rather than EventSource because EventSource can
 * set no Authorization header and hides the HTTP status of a refused stream.
 */
export function openSseTransport(fetchFn: FetchLike, params: TransportParams): Transport {
  const { handlers, auth } = params;
  if (auth === 'first-frame')
    throw new DeviceClientError('invalid_options', "first-frame auth needs the websocket transport; use 'header' or 'query' with SSE");
  const abort = new AbortController();
  // The stream opens with the token it was given; frames go with the newest one (see useToken).
  const credentials = (token: string) => ({
    query: auth === 'query' ? { token } : ({} as Record<string, string>),
    authHeaders: auth === 'header' ? { Authorization: `Bearer ${token}` } : ({} as Record<string, string>),
  });
  let { query, authHeaders } = credentials(params.token);
  const connection = new ConnectionEnd(handlers, () => abort.abort());

  const run = async () => {
    let res: Response;
    try {
      res = await fetchFn(endpointUrl(params.baseUrl, '/v1/events', query), {
        headers: { Accept: 'text/event-stream', ...authHeaders },
        signal: abort.signal,
        cache: 'no-store',
      });
    } catch (e) {
      return connection.end(1006, '', toClientError(e, 'connect_failed', 'could not open the event stream'));
    }
    if (!res.ok || !res.body) {
      const body = await res.text().catch((e: unknown) => `(body unreadable: ${String(e)})`);
      return connection.end(1006, '', httpError(res.status, res.headers.get('retry-after'), body));
    }
    if (connection.ended) return;
    handlers.open();
    const parser = new SseParser(
      {
        event: (event) => {
          if (connection.ended) return;
          // SSE has no close frame: the edge sends `event: close` with {code, reason}, then ends the stream.
          if (event.event === 'close') return connection.end(...closeOf(event.data));
          handlers.frame(event.data);
        },
        comment: () => {
          if (!connection.ended) handlers.activity();
        },
        overflow: (chars) => {
          const error = new DeviceClientError(
            'payload_too_large',
            `the event stream held ${chars} characters without ending an event`,
            true,
          );
          connection.end(1009, 'event too large', error);
        },
      },
      DEFAULT_MAX_SERVER_FRAME_CHARS,
    );
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done || connection.ended) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    connection.end(1006, 'event stream ended');
  };
  // When we abort (close), the read rejects with an AbortError and `connection.ended` is already true.
  run().catch((e: unknown) => connection.end(1006, '', toClientError(e, 'connection_lost', 'the event stream failed')));

  return {
    async send(frame: ClientFrame): Promise<void> {
      if (connection.ended) throw new DeviceClientError('not_connected', `cannot send ${frame.type}: the event stream is closed`);
      let res: Response;
      try {
        res = await fetchFn(endpointUrl(params.baseUrl, '/v1/frames', query), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...authHeaders },
          body: encodeFrame(frame),
          signal: abort.signal,
        });
      } catch (e) {
        throw toClientError(e, connection.ended ? 'not_connected' : 'connection_lost', `POST /v1/frames (${frame.type}) failed`);
      }
      if (res.ok) {
        // Drain the (empty) body so the HTTP connection can be reused.
        await res.arrayBuffer().catch(() => undefined);
        return;
      }
      const body = await res.text().catch((e: unknown) => `(body unreadable: ${String(e)})`);
      throw httpError(res.status, res.headers.get('retry-after'), body);
    },
    useToken(token: string): void {
      ({ query, authHeaders } = credentials(token));
    },
    close(): Promise<void> {
      connection.silence();
      abort.abort();
      return Promise.resolve();
    },
  };
}

/** Reads the `{code, reason}` of an SSE close event; anything unreadable counts as an abnormal end. */
function closeOf(data: string): [number, string] {
  try {
    const { code, reason } = JSON.parse(data) as { code?: unknown; reason?: unknown };
    return [typeof code === 'number' ? code : 1006, typeof reason === 'string' ? reason : ''];
  } catch {
    return [1006, `unreadable close event: ${data.slice(0, 100)}`];
  }
}
