import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Registration } from '@pushwire/protocol';
import { createMetricsRegistry, silentLogger } from '@pushwire/service-kit';
import { buildRegistryApp } from '../http/registry-app';
import type { RegistryStore } from '../registry-store';
import type { ManualClock } from './manual-clock';

/** What sets a test registration apart from the default one: any field, and how long it lives. */
export type TestRegistrationOptions = Partial<Registration> & {
  /** Seconds from the clock's now to `expiresAt`. Default 60. */
  readonly ttlSeconds?: number;
};

/**
 * Registration `n`: device `d<n>` on connection `c<n>`, a phone of account a1 on edge e1
 * (http://e1), connected at the clock's now and live for `ttlSeconds`; `over` replaces any field.
 */
export function testRegistration(n: number, clock: ManualClock, over: TestRegistrationOptions = {}): Registration {
  const { ttlSeconds = 60, ...fields } = over;
  return {
    deviceId: `d${n}`,
    accountId: 'a1',
    deviceType: 'phone',
    edgeId: 'e1',
    edgeUrl: 'http://e1',
    connectionId: `c${n}`,
    connectedAt: clock.now(),
    expiresAt: Math.floor(clock.now() / 1000) + ttlSeconds,
    ...fields,
  };
}

/** The registry app over `store` as specs build it: silent, with metrics of its own instead of the process's. */
export function testRegistryApp(store: RegistryStore, serviceToken: string): FastifyInstance {
  return buildRegistryApp({ store, serviceToken, logger: silentLogger(), metricsRegistry: createMetricsRegistry('registry', false) });
}

/** testRegistryApp listening on a free port of 127.0.0.1, and the base URL to reach it. */
export async function listenTestRegistry(store: RegistryStore, serviceToken: string): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const app = testRegistryApp(store, serviceToken);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}
