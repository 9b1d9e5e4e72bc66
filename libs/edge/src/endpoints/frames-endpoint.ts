import type { TemplatedApp } from '@pushwire/uws';
import { decodeClientFrame, type ClientFrame, type ProtocolValidationError } from '@pushwire/protocol';
import { errorBody } from '@pushwire/service-kit';
import type { Admission } from '../admission';
import { Phase, type Connection } from '../connection';
import type { FrameHandler } from '../frame-handler';
import { BodyTooLargeError, readBody, respondError, respondJson, tokenFrom } from '../uws-http';
import { authFailure, CORS, watchAborted } from './device-answers';

/** What the back-channel needs: the device's token checked, its open connection, where frames go. */
export interface FramesEndpointDeps {
  maxMessageBytes: number;
  admission: Pick<Admission, 'authenticate'>;
  /** The current connection of a device (account and device id) on this edge. */
  connectionOf(accountId: string, deviceId: string): Connection | undefined;
  frames: Pick<FrameHandler, 'onFrame'>;
}

/**
 * POST /v1/frames, the SSE back-channel: one frame a device would send over a WebSocket (ack, ping,
 * d2d.send, …), with the same token as its stream; and its CORS preflight. A bad frame is answered
 * 400 here, one over the rate 429; a good one goes to the frame handler as decoded, and its answers
 * down the stream.
 */
export function framesEndpoint(app: TemplatedApp, deps: FramesEndpointDeps): void {
  const { admission, frames, maxMessageBytes } = deps;

  app.options('/v1/frames', (res) => {
    res.cork(() => {
      res.writeStatus('204 No Content');
      res.writeHeader('access-control-allow-origin', '*');
      res.writeHeader('access-control-allow-methods', 'POST');
      res.writeHeader('access-control-allow-headers', 'authorization, content-type');
      res.writeHeader('access-control-max-age', '600');
      res.end();
    });
  });

  app.post('/v1/frames', (res, req) => {
    const token = tokenFrom(req);
    const state = watchAborted(res);
    const body = readBody(res, maxMessageBytes);
    return Promise.all([admission.authenticate(token), body]).then(
      ([identity, bytes]) => {
        // The token's account and device: a token of another account with the same device id finds nothing.
        const c = deps.connectionOf(identity.accountId, identity.deviceId);
        if (!c || c.phase === Phase.Closed) {
          respondError(res, state, 'not_found', 'this device has no open connection on this edge', CORS);
          return;
        }
        let frame: ClientFrame;
        try {
          frame = decodeClientFrame(bytes.toString('utf8'));
        } catch (e) {
          const err = e as ProtocolValidationError;
          respondJson(res, state, 400, errorBody(err.code ?? 'invalid_frame', err.message, err.issues), CORS);
          return;
        }
        // Decoded once, here: the frame handler takes the frame as it is.
        let taken = true;
        if (!state.aborted) res.cork(() => (taken = frames.onFrame(c, frame)));
        if (taken) respondJson(res, state, 202, { accepted: true }, CORS);
        // Over the device's frame rate: dropped, and said so (the bucket refills within a second).
        else
          respondError(res, state, 'rate_limited', 'frame dropped: over the frame rate of this connection', {
            'retry-after': '1',
            ...CORS,
          });
      },
      (err) => {
        if (err instanceof BodyTooLargeError)
          respondError(res, state, 'payload_too_large', `a frame may have at most ${maxMessageBytes} bytes`, CORS);
        else authFailure(res, state, err);
      },
    );
  });
}
