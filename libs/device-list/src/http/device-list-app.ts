import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AccountId, DeviceListResponse, ErrorBody } from '@pushwire/protocol';
import {
  buildServiceApp,
  requireServiceToken,
  requiredServiceTokens,
  storeUnavailableAs503,
  type DependencyCheck,
  type Logger,
  type Registry,
  type ServiceTokenOptions,
} from '@pushwire/service-kit';
import type { DeviceListStore } from '../device-list-store';
import { deviceInfoOf } from '../device-record';

export interface DeviceListAppOptions extends ServiceTokenOptions {
  readonly store: DeviceListStore;
  readonly logger: Logger;
  readonly metricsRegistry: Registry;
  /** What /readyz checks besides the store (the bus, the consumer group). */
  readonly readiness?: readonly DependencyCheck[];
}

/** An account id no device has: /readyz reads it to see the store answer. */
const PROBE_ACCOUNT = 'pushwire-readyz-probe';

/**
 * The device list's HTTP API (service token required): `GET /v1/accounts/:accountId/devices`, the
 * account's online devices — what edges answer `devices.list` with and what `pushctl devices` shows.
 * A store failure is 503 `store_unavailable`, never an empty list.
 */
export function buildDeviceListApp(opts: DeviceListAppOptions): FastifyInstance {
  const serviceTokens = requiredServiceTokens(opts, 'buildDeviceListApp');
  const app = buildServiceApp({
    title: 'Pushwire device list',
    description: "Which devices of an account are online, fed by the edges' connection events.",
    logger: opts.logger,
    metricsRegistry: opts.metricsRegistry,
    mapError: storeUnavailableAs503('device list'),
    readiness: [
      { dependency: 'device-list-store', check: async () => void (await opts.store.listOnline(PROBE_ACCOUNT)) },
      ...(opts.readiness ?? []),
    ],
  });
  app.register(async (plugin) => {
    const v1 = plugin.withTypeProvider<TypeBoxTypeProvider>();
    requireServiceToken(v1, serviceTokens);
    v1.get(
      '/v1/accounts/:accountId/devices',
      {
        schema: {
          summary: "The account's online devices, oldest connection first",
          security: [{ serviceToken: [] }],
          params: Type.Object({ accountId: AccountId }),
          response: { 200: DeviceListResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody },
        },
      },
      async (request) => {
        const { accountId } = request.params;
        const online = await opts.store.listOnline(accountId);
        return { accountId, devices: online.map(deviceInfoOf) };
      },
    );
  });
  return app as unknown as FastifyInstance;
}
