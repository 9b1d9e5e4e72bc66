// Shared by the behaviour specs (not exported): a FakeEdge with a few devices, and clients that are
// closed after each test.
import type { ClientFrame } from '@pushwire/protocol/core';
import { DeviceClient } from './device-client';
import type { DeviceClientOptions } from './options';
import { FakeEdge, type FakeConnection, type FakeEdgeOptions } from './testing';

export const TOKENS = {
  tv: { deviceId: 'tv1', accountId: 'a1', deviceType: 'tv' },
  phone: { deviceId: 'phone1', accountId: 'a1', deviceType: 'phone' },
} as const;

/** Unhandled rejections anywhere in a spec file are a failure of the SDK's promise hygiene. */
export function trackUnhandledRejections(): unknown[] {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  beforeAll(() => process.on('unhandledRejection', listener));
  afterAll(() => process.off('unhandledRejection', listener));
  return seen;
}

/** A fresh edge and client factory per test; everything is closed afterwards. */
export function setup(edgeOptions: FakeEdgeOptions = {}) {
  const ctx = {
    edge: undefined as unknown as FakeEdge,
    clients: [] as DeviceClient[],
    client(opts: Partial<DeviceClientOptions> = {}): DeviceClient {
      const client = new DeviceClient({ url: ctx.edge.url, token: 'tv', reconnect: { baseDelayMs: 20, maxDelayMs: 200 }, ...opts });
      ctx.clients.push(client);
      return client;
    },
  };
  beforeEach(async () => {
    ctx.edge = await FakeEdge.start({ tokens: { ...TOKENS }, ...edgeOptions });
    ctx.clients = [];
  });
  afterEach(async () => {
    await Promise.all(ctx.clients.map((c) => c.close()));
    await ctx.edge.stop();
  });
  return ctx;
}

/** Waits until the edge received a frame matching `predicate`. */
export const nextFrame = (edge: FakeEdge, predicate: (frame: ClientFrame, conn: FakeConnection) => boolean) =>
  edge.next<[FakeConnection, ClientFrame]>('frame', (conn, frame) => predicate(frame, conn)).then(([conn, frame]) => ({ conn, frame }));

/** Waits until the edge accepted a connection (after sending welcome). */
export const nextConnection = (edge: FakeEdge) => edge.next<[FakeConnection]>('connection').then(([conn]) => conn);

/** The errors `client` emits from now on, in order. */
export function errorsOf(client: DeviceClient): unknown[] {
  const errors: unknown[] = [];
  client.on('error', (e) => void errors.push(e));
  return errors;
}
