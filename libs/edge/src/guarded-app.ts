import type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, WebSocketBehavior } from '@pushwire/uws';
import { CloseCode } from '@pushwire/protocol';
import { errorBody, LogThrottle, type Logger } from '@pushwire/service-kit';
import { statusLine } from './uws-http';

/** Told of every failure a guarded handler caught: the error and the route (and callback) it came from. */
export type HandlerFailure = (err: unknown, where: string) => void;

/**
 * Logs each caught failure with its stack, at most a few a minute (LogThrottle): a failure a client
 * can trigger at will must not flood the log.
 */
export function logHandlerFailures(logger: Logger, throttle = new LogThrottle()): HandlerFailure {
  return (err, where) => {
    const line = throttle.take();
    if (line) logger.error({ err, where, suppressed: line.suppressed }, 'request handler failed');
  };
}

type HttpHandler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;

const HTTP_METHODS = ['get', 'post', 'options', 'del', 'patch', 'put', 'head', 'connect', 'trace', 'any'] as const;
type HttpMethod = (typeof HTTP_METHODS)[number];
const INTERNAL_ERROR_BODY = JSON.stringify(errorBody('internal', 'internal error'));

/**
 * The uWS app with every handler guarded, so that nothing a client sends can take the process
 * down. uWebSockets.js turns a throw out of a handler into an uncaught exception, and a handler that
 * returns without answering aborts the process; a rejection nobody handles ends it too. Here a
 * throw, or a rejection of the promise a handler returns, is reported to `failed` and answered 500
 * with the JSON error body (when the response is still open); a WebSocket callback that throws
 * closes its socket with 1011. Endpoints return their promise chains so this sees their rejections.
 */
export function guardHandlers(app: TemplatedApp, failed: HandlerFailure): TemplatedApp {
  const guarded: TemplatedApp = new Proxy(app, {
    get(target, prop) {
      if (typeof prop === 'string' && (HTTP_METHODS as readonly string[]).includes(prop)) {
        const register = target[prop as HttpMethod].bind(target);
        return (pattern: string, handler: HttpHandler) => {
          register(pattern, guardHttp(handler, failed, `${prop.toUpperCase()} ${pattern}`));
          return guarded;
        };
      }
      if (prop === 'ws') {
        return <UserData>(pattern: string, behavior: WebSocketBehavior<UserData>) => {
          target.ws<UserData>(pattern, guardBehavior(behavior, failed, `WebSocket ${pattern}`));
          return guarded;
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return guarded;
}

function guardHttp(handler: HttpHandler, failed: HandlerFailure, where: string): HttpHandler {
  return (res, req) => {
    let result: void | Promise<void>;
    try {
      result = handler(res, req);
    } catch (err) {
      answerInternal(res, err, failed, where);
      return;
    }
    if (result instanceof Promise) result.catch((err: unknown) => answerInternal(res, err, failed, where));
  };
}

/** 500 with the JSON body, if the response is still open; either way the failure is reported once. */
function answerInternal(res: HttpResponse, err: unknown, failed: HandlerFailure, where: string): void {
  try {
    res.cork(() => {
      res.writeStatus(statusLine(500));
      res.writeHeader('content-type', 'application/json');
      res.end(INTERNAL_ERROR_BODY);
    });
  } catch (answering) {
    // uWS throws on a response that was already answered or whose client went away: nothing to answer.
    failed(err, `${where} (already answered or aborted: ${(answering as Error).message})`);
    return;
  }
  failed(err, where);
}

function guardBehavior<UserData>(
  behavior: WebSocketBehavior<UserData>,
  failed: HandlerFailure,
  where: string,
): WebSocketBehavior<UserData> {
  const { upgrade, open, message, drain, close, ping, pong } = behavior;
  const closing = (ws: WebSocket<UserData>, err: unknown, callback: string) => {
    try {
      ws.end(CloseCode.INTERNAL_ERROR, 'internal error');
    } catch (ending) {
      failed(err, `${where} ${callback} (socket already closed: ${(ending as Error).message})`);
      return;
    }
    failed(err, `${where} ${callback}`);
  };
  return {
    ...behavior,
    ...(upgrade && { upgrade: (res, req, context) => guardHttp((r, q) => upgrade(r, q, context), failed, `${where} upgrade`)(res, req) }),
    ...(open && {
      open: (ws) =>
        settle(
          () => open(ws),
          (err) => closing(ws, err, 'open'),
        ),
    }),
    ...(message && {
      // Written out rather than through settle(): this runs for every frame, and two closures per frame add up.
      message: (ws, data, isBinary) => {
        let result: void | Promise<void>;
        try {
          result = message(ws, data, isBinary);
        } catch (err) {
          closing(ws, err, 'message');
          return;
        }
        if (result instanceof Promise) result.catch((err: unknown) => closing(ws, err, 'message'));
      },
    }),
    ...(drain && {
      drain: (ws) =>
        settle(
          () => drain(ws),
          (err) => failed(err, `${where} drain`),
        ),
    }),
    ...(close && {
      close: (ws, code, reason) =>
        settle(
          () => close(ws, code, reason),
          (err) => failed(err, `${where} close`),
        ),
    }),
    ...(ping && {
      ping: (ws, data) =>
        settle(
          () => ping(ws, data),
          (err) => failed(err, `${where} ping`),
        ),
    }),
    ...(pong && {
      pong: (ws, data) =>
        settle(
          () => pong(ws, data),
          (err) => failed(err, `${where} pong`),
        ),
    }),
  };
}

/** Runs a callback; a throw or a rejection of what it returns goes to `onError`. */
function settle(run: () => void | Promise<void>, onError: (err: unknown) => void): void {
  let result: void | Promise<void>;
  try {
    result = run();
  } catch (err) {
    onError(err);
    return;
  }
  if (result instanceof Promise) result.catch(onError);
}
