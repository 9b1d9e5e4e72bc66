import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeep } from '@pushwire/protocol';
import { errorBody } from './errors';

/**
 * Longest path parameter the router takes. Ids may have 128 characters (the protocol's limit); a
 * parameter up to this is answered by the route's schema (400 naming the field), a longer one by
 * `answerFrameworkError` (400 too) — never by fastify's own body, which echoes the path.
 */
export const MAX_PATH_PARAM_LENGTH = 256;

/**
 * Answers the errors fastify raises before any route runs (a path parameter over
 * MAX_PATH_PARAM_LENGTH, a URL that does not decode) with our JSON error body. The path is not
 * echoed: it is the attacker's input, and may be kilobytes long.
 */
export function answerFrameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? `a path segment is longer than ${MAX_PATH_PARAM_LENGTH} characters`
      : err.code === 'FST_ERR_BAD_URL'
        ? 'the URL does not decode (bad percent-encoding)'
        : 'the request could not be routed';
  void reply.code(400).send(errorBody('invalid_request', message));
}

/**
 * Replaces fastify's JSON body parser with one that also holds the document to MAX_JSON_DEPTH
 * (fastify's own parser, prototype-poisoning checks included, does the parsing). A deeper body is
 * answered 400 before any schema, handler or serializer walks it.
 */
export function limitJsonDepth(
  app: Pick<FastifyInstance, 'getDefaultJsonParser' | 'removeContentTypeParser' | 'addContentTypeParser'>,
): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    parse(request, body.toString(), (err, value) => {
      if (err) done(err, undefined);
      else if (nestsDeeperThan(value, MAX_JSON_DEPTH)) done(tooDeep('body', '/', MAX_JSON_DEPTH), undefined);
      else done(null, value);
    }),
  );
}

/**
 * Lets a 413 end the way HTTP means it to. fastify marks a body-too-large answer `Connection: close`,
 * so Node closes the socket while the client is still sending: the unread bytes make the kernel
 * reset the connection, and the client often sees ECONNRESET instead of the 413. Without the header
 * Node reads the rest of the body and throws it away (bounded by the server's request timeout),
 * then answers the client's next request on the same connection.
 */
export function keepConnectionOnTooLarge(reply: FastifyReply): void {
  reply.removeHeader('connection');
}
