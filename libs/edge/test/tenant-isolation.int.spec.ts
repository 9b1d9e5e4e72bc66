import { CloseCode, type ServerFrame } from '@pushwire/protocol';
import { startTestEdge, TEST_SERVICE_TOKEN, type TestEdge } from '../src/testing';
import { RawDevice, deliver } from './raw-device';
import { SseDevice } from './raw-device';

/**
 * Tenant isolation on a real edge over real sockets (issue 12, items 1 and 3): a device is its
 * account and its id. A token of account `evil` carrying a1's device id can neither act as a1's
 * device on the SSE back-channel (acks, d2d), nor replace its connection, nor receive its pushes —
 * on WebSocket and SSE alike.
 */

/** A device connection at the wire level, whichever transport carries it. */
interface WireDevice {
  next<T extends ServerFrame['type']>(type: T, timeoutMs?: number): Promise<Extract<ServerFrame, { type: T }>>;
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

type Via = 'websocket' | 'sse';

describe('edge: tenant isolation — a device is (account, device id)', () => {
  let t: TestEdge;
  beforeAll(async () => {
    t = await startTestEdge({ ackTimeoutMs: 1000 });
  });
  afterAll(() => t.stop());

  /** Connects device `deviceId` of `accountId` over `via`; resolves once welcomed. */
  const open = async (via: Via, accountId: string, deviceId: string, deviceType = 'tv') => {
    const token = await t.token(accountId, deviceId, { deviceType });
    const device: WireDevice =
      via === 'websocket'
        ? await RawDevice.connect(`${t.wsUrl}/v1/connect?token=${token}`)
        : await SseDevice.open(`${t.deviceUrl}/v1/events?token=${token}`);
    const welcome = await device.next('welcome');
    expect(welcome).toMatchObject({ accountId, deviceId });
    return { device, token, connectionId: welcome.connectionId };
  };
  /** POST /v1/frames with `token`: the HTTP status. */
  const post = async (token: string, frame: unknown): Promise<number> => {
    const res = await fetch(`${t.deviceUrl}/v1/frames`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(frame),
    });
    await res.body?.cancel();
    return res.status;
  };
  /** A push from the backend to device `deviceId` of `accountId`, message id = payload = `id`. */
  const push = (accountId: string, deviceId: string, id: string, extra: { ackRequired?: boolean; connectionId?: string } = {}) => {
    const { connectionId, ...message } = extra;
    return deliver(t.internalUrl, TEST_SERVICE_TOKEN, {
      accountId,
      deviceId,
      ...(connectionId ? { connectionId } : {}),
      message: { id, payload: id, ...message },
    });
  };
  /** How many connections the edge closed as replaced (4001) so far. */
  const replacedCloses = async (): Promise<number> => {
    const metrics = await (await fetch(`${t.internalUrl}/metrics`)).text();
    return Number(/^pushwire_edge_closes_total\{[^}]*code="4001"[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  };

  describe('the SSE back-channel (POST /v1/frames)', () => {
    it("answers 404 to another account's token carrying a1's device id: its ack and d2d.send change nothing", async () => {
      const tv = await open('sse', 'a1', 'tv9');
      const phone = await open('websocket', 'a1', 'phone1', 'phone');
      const forger = await t.token('evil', 'tv9');

      // The backend asks a1's tv9 for a receipt; the attacker forges the ack and sends as tv9.
      const asked = push('a1', 'tv9', 'm-forged', { ackRequired: true });
      expect(await tv.device.next('push')).toMatchObject({ id: 'm-forged', ackRequired: true });
      expect(await post(forger, { type: 'ack', id: 'm-forged' })).toBe(404);
      expect(await post(forger, { type: 'd2d.send', reqId: 'r-forged', to: 'phone1', payload: 'as a1 tv9' })).toBe(404);
      const forged = await asked;
      expect([forged.status, forged.body.status]).toEqual([202, 'ack_timeout']);

      // Only a1's tv9 acknowledges for a1's tv9.
      const real = push('a1', 'tv9', 'm-real', { ackRequired: true });
      await tv.device.next('push');
      expect(await post(tv.token, { type: 'ack', id: 'm-real' })).toBe(202);
      expect((await real).body.status).toBe('acknowledged');

      // The first d2d message a1's phone gets is its own TV's: none came from the attacker.
      expect(await post(tv.token, { type: 'd2d.send', reqId: 'r-own', to: 'phone1', payload: 'from my tv' })).toBe(202);
      expect(await tv.device.next('d2d.result')).toMatchObject({ reqId: 'r-own', status: 'delivered' });
      expect(await phone.device.next('d2d.message')).toMatchObject({ from: 'tv9', payload: 'from my tv' });
      tv.device.close();
      phone.device.close();
    });

    it("acts as the token's own device when that one has a stream: evil's tv9 can neither ack a1's push nor reach a1's phone", async () => {
      const tv = await open('sse', 'a1', 'tv9-both');
      const phone = await open('websocket', 'a1', 'phone-both', 'phone');
      const namesake = await open('sse', 'evil', 'tv9-both');

      const asked = push('a1', 'tv9-both', 'm-a1', { ackRequired: true });
      await tv.device.next('push');
      expect(await post(namesake.token, { type: 'ack', id: 'm-a1' })).toBe(202);
      expect(await post(namesake.token, { type: 'd2d.send', reqId: 'r-evil', to: 'phone-both', payload: 'hijack' })).toBe(202);
      // `to` names a device of evil's own account, which has no phone-both.
      expect(await namesake.device.next('d2d.result')).toMatchObject({ reqId: 'r-evil', status: 'not_connected' });
      expect((await asked).body.status).toBe('ack_timeout');

      expect(await post(tv.token, { type: 'd2d.send', reqId: 'r-own', to: 'phone-both', payload: 'mine' })).toBe(202);
      expect(await phone.device.next('d2d.message')).toMatchObject({ from: 'tv9-both', payload: 'mine' });
      for (const d of [tv, phone, namesake]) d.device.close();
    });
  });

  describe.each<[string, Via, Via]>([
    ['WebSocket', 'websocket', 'websocket'],
    ['SSE', 'sse', 'sse'],
    ['WebSocket, then SSE', 'websocket', 'sse'],
    ['SSE, then WebSocket', 'sse', 'websocket'],
  ])('connections over %s', (_name, mineVia, theirsVia) => {
    it('a device of another account with the same id replaces nothing, and each gets only the pushes for it', async () => {
      const deviceId = `tv9-${mineVia}-${theirsVia}`;
      const replacedBefore = await replacedCloses();
      const mine = await open(mineVia, 'a1', deviceId);
      const theirs = await open(theirsVia, 'evil', deviceId);

      // Both stay connected, each as itself.
      expect(t.edge.connectionOf('a1', deviceId)?.connectionId).toBe(mine.connectionId);
      expect(t.edge.connectionOf('evil', deviceId)?.connectionId).toBe(theirs.connectionId);

      expect((await push('a1', deviceId, 'for-a1')).body).toMatchObject({ accountId: 'a1', status: 'delivered' });
      expect((await push('evil', deviceId, 'for-evil')).body).toMatchObject({ accountId: 'evil', status: 'delivered' });
      expect((await push('nobody', deviceId, 'for-nobody')).body.status).toBe('not_connected');
      // A route with a1's connection id but evil's account fences as stale: it never writes to a1's connection.
      expect((await push('evil', deviceId, 'crossed', { connectionId: mine.connectionId })).body.status).toBe('gone');

      // In order on each connection: its own push first, then the marker sent after everything above.
      expect((await push('a1', deviceId, 'marker-a1')).body.status).toBe('delivered');
      expect((await push('evil', deviceId, 'marker-evil')).body.status).toBe('delivered');
      expect([(await mine.device.next('push')).id, (await mine.device.next('push')).id]).toEqual(['for-a1', 'marker-a1']);
      expect([(await theirs.device.next('push')).id, (await theirs.device.next('push')).id]).toEqual(['for-evil', 'marker-evil']);
      expect(await replacedCloses()).toBe(replacedBefore);

      // The same device of the same account still replaces its older connection (4001) — only that one.
      const again = await open(mineVia, 'a1', deviceId);
      expect((await mine.device.closed).code).toBe(CloseCode.REPLACED);
      expect(await replacedCloses()).toBe(replacedBefore + 1);
      expect((await push('evil', deviceId, 'still-evil')).body.status).toBe('delivered');
      expect((await theirs.device.next('push')).id).toBe('still-evil');
      expect(t.edge.connectionOf('a1', deviceId)?.connectionId).toBe(again.connectionId);
      again.device.close();
      theirs.device.close();
    });
  });
});
