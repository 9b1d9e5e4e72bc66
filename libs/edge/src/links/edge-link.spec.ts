import WebSocket from 'ws';
import { closeListenSocket, uWS, type us_listen_socket } from '@pushwire/uws';
import { CloseCode, type Delivery, type DeliveryResult } from '@pushwire/protocol';
import { ServiceTokenVerifier, silentLogger } from '@pushwire/service-kit';
import { waitFor } from '@pushwire/test-kit';
import { listenOn } from '../uws-http';
import { EdgeLinks } from './edge-links';
import { LinkEndpoint } from './link-endpoint';

// An EdgeLinks (the sending edge's side) against a real LinkEndpoint on a uWS app on port 0 (the
// peer edge's internal port), whose deliverer the test plays: it answers at once, or holds a delivery
// (as one waiting for an ack would) until the test settles it.

const EDGE_TOKEN = 'edge-link-spec-edge-token';
const SENDER_TOKEN = 'edge-link-spec-sender-token';

const delivery = (deviceId: string, connectionId = `c-${deviceId}`): Delivery => ({
  accountId: 'a1',
  deviceId,
  connectionId,
  from: 'phone',
  message: { id: `m-${deviceId}`, payload: { to: deviceId }, createdAt: 1 },
});

describe('edge links', () => {
  let sockets: us_listen_socket[];
  let endpoint: LinkEndpoint;
  let edgeUrl: string;
  let links: EdgeLinks;
  let now: number;
  let failures: Error[];
  /** Deliveries the peer took, in order. */
  let delivered: Delivery[];
  /** Deliveries the peer holds unanswered: settle them to answer. */
  let held: ((r: DeliveryResult) => void)[];
  /** What the peer does with a delivery to this device id: answer at once (default) or hold. */
  let hold: Set<string>;

  const result = (d: Delivery, status: DeliveryResult['status']): DeliveryResult => ({
    accountId: d.accountId,
    deviceId: d.deviceId,
    messageId: d.message.id,
    status,
  });

  beforeEach(async () => {
    sockets = [];
    delivered = [];
    held = [];
    hold = new Set();
    failures = [];
    now = 1_000_000;
    endpoint = new LinkEndpoint({
      logger: silentLogger(),
      deliverer: {
        deliver: (d) => {
          delivered.push(d);
          if (hold.has(d.deviceId)) return new Promise<DeliveryResult>((r) => held.push(r));
          // Fenced by connection id, like the Deliverer: a connection it does not hold is gone.
          return result(d, d.connectionId === `c-${d.deviceId}` ? 'delivered' : 'gone');
        },
      },
    });
    const app = uWS.App();
    endpoint.attach(app, new ServiceTokenVerifier({ sender: [SENDER_TOKEN], edge: [EDGE_TOKEN] }));
    const port = await listenOn(app, '127.0.0.1', 0, sockets);
    edgeUrl = `http://127.0.0.1:${port}`;
    links = newLinks(EDGE_TOKEN);
  });

  const newLinks = (serviceToken: string, maxInFlight?: number) =>
    new EdgeLinks({
      serviceToken,
      timeoutMs: 2000,
      ...(maxInFlight ? { maxInFlight } : {}),
      backoff: { baseMs: 1000, maxMs: 8000 },
      onFailure: (_url, err) => failures.push(err),
      now: () => now,
      random: () => 0.5,
    });

  afterEach(async () => {
    await links.close();
    endpoint.closeAll();
    for (const s of sockets) closeListenSocket(s);
  });

  it('relays pipelined requests over one link, each answered with its own statuses in order, fenced by connection id', async () => {
    const answers = await Promise.all([
      links.relay(edgeUrl, [delivery('tv1'), delivery('tv2', 'stale')]),
      links.relay(edgeUrl, [delivery('tv3')]),
      links.relay(edgeUrl, [delivery('tv4')]),
    ]);
    expect(answers).toEqual([['delivered', 'gone'], ['delivered'], ['delivered']]);
    expect(delivered.map((d) => d.deviceId)).toEqual(['tv1', 'tv2', 'tv3', 'tv4']);
    expect(delivered[0]).toEqual(delivery('tv1')); // the delivery as sent, `from` and all
    expect(endpoint.size).toBe(1);
    expect(await links.relay(edgeUrl, [delivery('tv5')])).toEqual(['delivered']);
    expect(endpoint.size).toBe(1); // the link is kept, not one per request
  });

  it('answers a quick delivery while another on the same link still waits', async () => {
    hold.add('slow');
    const slow = links.relay(edgeUrl, [delivery('slow')]);
    expect(await links.relay(edgeUrl, [delivery('quick')])).toEqual(['delivered']);
    await waitFor(() => held.length === 1, { what: 'the slow delivery held by the peer' });
    held[0]!(result(delivery('slow'), 'acknowledged'));
    expect(await slow).toEqual(['acknowledged']);
  });

  it('fails what is in flight as unavailable when the link breaks, then reconnects after the backoff', async () => {
    hold.add('tv1');
    const inFlight = links.relay(edgeUrl, [delivery('tv1'), delivery('tv2')]);
    await waitFor(() => held.length === 1, { what: 'the delivery in flight at the peer' });
    endpoint.closeAll(); // the peer goes away mid-flight
    expect(await inFlight).toEqual(['unavailable', 'unavailable']);
    expect(failures.map((e) => e.message)).toEqual([expect.stringContaining('closed (1001)')]);
    // Within the backoff (equal jitter: 500..1000 ms for the first retry) sends fail at once, truthfully.
    now += 499;
    expect(await links.relay(edgeUrl, [delivery('tv3')])).toEqual(['unavailable']);
    expect(delivered.map((d) => d.deviceId)).toEqual(['tv1', 'tv2']);
    now += 500;
    expect(await links.relay(edgeUrl, [delivery('tv3')])).toEqual(['delivered']);
    expect(endpoint.size).toBe(1);
  });

  it('refuses a link without an edge service token: every send unavailable, nothing delivered', async () => {
    for (const token of ['not-a-token', SENDER_TOKEN]) {
      const wrong = newLinks(token);
      try {
        expect(await wrong.relay(edgeUrl, [delivery('tv1')])).toEqual(['unavailable']);
      } finally {
        await wrong.close();
      }
    }
    expect(failures.map((e) => e.message)).toEqual([expect.stringContaining('HTTP 401'), expect.stringContaining('HTTP 403')]);
    expect(delivered).toEqual([]);
    expect(endpoint.size).toBe(0);
  });

  it('answers backpressure past its bound of deliveries in flight', async () => {
    const bounded = newLinks(EDGE_TOKEN, 3);
    try {
      hold.add('tv1');
      hold.add('tv2');
      const first = bounded.relay(edgeUrl, [delivery('tv1'), delivery('tv2')]);
      expect(await bounded.relay(edgeUrl, [delivery('tv3'), delivery('tv4')])).toEqual(['backpressure', 'backpressure']);
      expect(await bounded.relay(edgeUrl, [delivery('tv3')])).toEqual(['delivered']);
      await waitFor(() => held.length === 2, { what: 'both held deliveries at the peer' });
      held.forEach((settle, i) => settle(result(delivery(`tv${i + 1}`), 'delivered')));
      expect(await first).toEqual(['delivered', 'delivered']);
      expect(bounded.linkTo(edgeUrl)?.inFlightCount).toBe(0);
    } finally {
      await bounded.close();
    }
  });

  it('answers unavailable for a request the peer leaves unanswered past the timeout, keeping the link', async () => {
    hold.add('tv1');
    const waiting = links.relay(edgeUrl, [delivery('tv1')]);
    await waitFor(() => held.length === 1, { what: 'the delivery held by the peer' });
    now += 2000;
    expect(await waiting).toEqual(['unavailable']);
    expect(links.linkTo(edgeUrl)?.inFlightCount).toBe(0);
    expect(await links.relay(edgeUrl, [delivery('tv2')])).toEqual(['delivered']);
  });

  it('closes a link that sends a frame which is not a valid link request (1008), delivering nothing', async () => {
    const raw = new WebSocket(`ws://127.0.0.1:${new URL(edgeUrl).port}/v1/link`, { headers: { authorization: `Bearer ${EDGE_TOKEN}` } });
    const closed = new Promise<number>((resolve) => raw.on('close', (code) => resolve(code)));
    raw.on('open', () => raw.send(JSON.stringify({ id: 1, deliveries: [{ accountId: 'a1' }] })));
    expect(await closed).toBe(CloseCode.POLICY_VIOLATION);
    expect(delivered).toEqual([]);
  });
});
