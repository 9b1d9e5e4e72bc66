import type { ClientFrame } from '@pushwire/protocol';
import { DeviceClientError } from './index';
import { nextFrame, setup, TOKENS, trackUnhandledRejections } from './spec-helpers';
import { waitForEvent } from './testing';

// In-band token renewal against the FakeEdge, whose tokens are valid for VALIDITY_MS: the welcome
// says when the token expires, and the SDK sends `auth` with a fresh token before then.

const VALIDITY_MS = 1000;
const unhandled = trackUnhandledRejections();
const t = setup({ tokenValidityMs: VALIDITY_MS });

afterAll(() => expect(unhandled).toEqual([]));

/** A token function handing out tv1's tokens `tv`, `tv-1`, `tv-2`, … (each known to the edge). */
function freshTokens() {
  let n = 0;
  return jest.fn(() => {
    const token = n === 0 ? 'tv' : `tv-${n}`;
    n++;
    t.edge.addToken(token, TOKENS.tv);
    return token;
  });
}

const isAuth = (f: ClientFrame): f is Extract<ClientFrame, { type: 'auth' }> => f.type === 'auth';

describe('DeviceClient: in-band token renewal', () => {
  it.each(['websocket', 'sse'] as const)(
    '%s: renews the token before it expires with a fresh one from the token function, again after each auth.result',
    async (transport) => {
      const token = freshTokens();
      const client = t.client({ token, transport });
      const welcome = await client.connect();
      expect(welcome.tokenExpiresAt).toBeGreaterThan(welcome.serverTime);
      const first = await nextFrame(t.edge, isAuth);
      // A fifth of the validity ahead of expiry, not at once.
      expect(Date.now() - welcome.serverTime).toBeGreaterThanOrEqual(VALIDITY_MS * 0.8 - 50);
      expect(first.frame).toEqual({ type: 'auth', token: 'tv-1' });
      const second = await nextFrame(t.edge, isAuth);
      expect(second.frame).toEqual({ type: 'auth', token: 'tv-2' });
      expect(second.conn).toBe(first.conn);
      expect(client.state).toBe('open');
      expect(t.edge.connections).toHaveLength(1);
    },
  );

  it('never renews a fixed token string (it could only send the same one again)', async () => {
    t.edge.addToken('phone', TOKENS.phone);
    const fixed = t.client({ token: 'phone' });
    await fixed.connect();
    // A client with a token function, connected after it, renews twice: the fixed one had as long.
    await t.client({ token: freshTokens() }).connect();
    await nextFrame(t.edge, isAuth);
    await nextFrame(t.edge, isAuth);
    const phone = t.edge.connections.find((c) => c.identity.deviceId === 'phone1')!;
    expect(phone.frames.filter(isAuth)).toEqual([]);
    expect(fixed.state).toBe('open');
  });

  it('reports a token function that fails at renewal as an error event and keeps the connection', async () => {
    let calls = 0;
    const client = t.client({
      token: () => {
        if (calls++ > 0) throw new Error('identity provider down');
        return 'tv';
      },
    });
    await client.connect();
    const error = await waitForEvent(client, 'error', VALIDITY_MS * 2);
    expect(error).toBeInstanceOf(DeviceClientError);
    expect(error).toMatchObject({ code: 'token_unavailable', message: expect.stringMatching(/identity provider down/) });
    expect(client.state).toBe('open');
  });
});
