import { errorsOf, setup, trackUnhandledRejections } from './spec-helpers';
import { countingBrowserWebSocket } from './testing';

// A browser's WebSocket hides the 401 of a refused upgrade (a bare 1006, like a network failure), so
// the SDK must not send the token where only the status could tell it was refused.

const unhandled = trackUnhandledRejections();
const t = setup();

afterAll(() => expect(unhandled).toEqual([]));

describe('DeviceClient with a browser WebSocket: a refused token', () => {
  it('defaults to first-frame auth, whose refusal (close 4003) the browser sees', async () => {
    const browser = countingBrowserWebSocket();
    await t.client({ WebSocket: browser.WebSocket }).connect();
    expect(t.edge.connections[0]!.authVia).toBe('first-frame');
    expect(browser.urls).toEqual([expect.stringMatching(/\/v1\/connect\?auth=frame$/)]);
  });

  it('rejects connect with unauthorized, emits it once and makes no further attempt', async () => {
    const browser = countingBrowserWebSocket();
    const client = t.client({ WebSocket: browser.WebSocket, token: 'stolen', reconnect: { baseDelayMs: 0, maxDelayMs: 0 } });
    const errors = errorsOf(client);
    await expect(client.connect()).rejects.toMatchObject({ code: 'unauthorized', retriable: false });
    expect(errors).toEqual([expect.objectContaining({ code: 'unauthorized' })]);
    expect(client.state).toBe('closed');
    expect(browser.urls).toHaveLength(1);
  });

  it('asks a token function once more after the refusal, and connects with the fresh token', async () => {
    const browser = countingBrowserWebSocket();
    const tokens = ['expired', 'tv'];
    const token = jest.fn(() => tokens.shift() ?? 'never');
    const welcome = await t.client({ WebSocket: browser.WebSocket, token }).connect();
    expect(welcome.deviceId).toBe('tv1');
    expect(token).toHaveBeenCalledTimes(2);
    expect(browser.urls).toHaveLength(2);
  });

  it('stops after that one retry when the fresh token is refused too', async () => {
    const browser = countingBrowserWebSocket();
    const token = jest.fn(() => 'expired');
    const client = t.client({ WebSocket: browser.WebSocket, token, reconnect: { baseDelayMs: 0, maxDelayMs: 0 } });
    await expect(client.connect()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(token).toHaveBeenCalledTimes(2);
    expect(browser.urls).toHaveLength(2);
    expect(client.state).toBe('closed');
  });
});
