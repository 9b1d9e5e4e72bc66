import {
  AccountId,
  AccountRegistrationsResponse,
  DeregisterRequest,
  DeregisterResponse,
  DeviceId,
  EdgeId,
  ErrorBody,
  LeaseRequest,
  LeaseResponse,
  LeaseStatusRequest,
  LeaseStatusResponse,
  LookupRequest,
  LookupResponse,
  RegisterRequest,
  RegisterResponse,
  Registration,
  type DeviceRef,
} from '@pushwire/protocol';
import { EDGE_ROLES, errorBody, requireServiceToken, type ServiceTokens } from '@pushwire/service-kit';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RegistryStore } from '../registry-store';
import { missingDevices } from '../missing-devices';
import type { EdgeHostAllowList } from './edge-hosts';
import type { RegistryMetrics } from './registry-metrics';

/** Options of the /v1 routes plugin. */
export interface V1RoutesOptions {
  store: RegistryStore;
  /** Lookups take sender (and edge) tokens; writing routes and leases only edge tokens. */
  serviceTokens: ServiceTokens;
  metrics: RegistryMetrics;
  /** Hosts edges may name in their edgeUrl; absent: any host the EdgeUrl schema takes. */
  edgeHosts?: EdgeHostAllowList;
}

// Every /v1 answer may be one of these errors; listing them documents them in the OpenAPI too.
const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  500: ErrorBody,
  503: ErrorBody,
};
const common = { tags: ['registry'], security: [{ serviceToken: [] }] };
/** Only edges (and Pushwire's own services) write routes and leases: a sender's token is answered 403. */
const edgesOnly = { serviceRoles: EDGE_ROLES };

/**
 * The registry's HTTP API under /v1, behind service tokens: lookups for senders and edges, route
 * and lease writes for edges only. Route schemas are the protocol schemas, so validation,
 * TypeScript types and the OpenAPI document agree.
 */
export const v1Routes: FastifyPluginAsyncTypebox<V1RoutesOptions> = async (app, { store, serviceTokens, metrics, edgeHosts }) => {
  requireServiceToken(app, serviceTokens);
  /** The first edge URL off the allow-list, if any: senders would POST deliveries there with their token. */
  const offList = (edgeUrls: string[]) => (edgeHosts ? edgeUrls.find((u) => !edgeHosts.allows(u)) : undefined);
  const forbiddenHost = (edgeUrl: string) =>
    errorBody('forbidden', `the host of edgeUrl ${edgeUrl} is not one PUSHWIRE_REGISTRY_EDGE_HOSTS allows for edges`);

  app.post(
    '/v1/registrations',
    {
      config: edgesOnly,
      schema: {
        ...common,
        summary: 'Register device connections',
        body: RegisterRequest,
        response: { 200: RegisterResponse, ...errors },
      },
    },
    async (request, reply) => {
      const refused = offList(request.body.registrations.map((r) => r.edgeUrl));
      if (refused !== undefined) return reply.code(403).send(forbiddenHost(refused));
      return { results: await store.register(request.body.registrations) };
    },
  );

  app.post(
    '/v1/registrations/remove',
    {
      config: edgesOnly,
      schema: {
        ...common,
        summary: 'Deregister device connections, only where the record still holds the given connection id',
        body: DeregisterRequest,
        response: { 200: DeregisterResponse, ...errors },
      },
    },
    async (request) => ({ results: await store.deregister(request.body.deregistrations) }),
  );

  app.get(
    '/v1/accounts/:accountId/registrations/:deviceId',
    {
      schema: {
        ...common,
        summary: "One device's live registration (a device id names a device only within its account)",
        params: Type.Object({ accountId: AccountId, deviceId: DeviceId }),
        response: { 200: Registration, 404: ErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      const device: DeviceRef = { accountId: request.params.accountId, deviceId: request.params.deviceId };
      const [found] = await store.lookup([device]);
      if (!found) {
        return reply
          .code(404)
          .send(errorBody('not_found', `device ${device.deviceId} of account ${device.accountId} has no live registration`));
      }
      return found;
    },
  );

  app.post(
    '/v1/lookup',
    {
      schema: {
        ...common,
        summary: 'Live registrations of many devices',
        body: LookupRequest,
        response: { 200: LookupResponse, ...errors },
      },
    },
    async (request) => {
      const registrations = await store.lookup(request.body.devices);
      const missing = missingDevices(request.body.devices, registrations);
      metrics.lookedUpDevices.inc({ result: 'found' }, registrations.length);
      metrics.lookedUpDevices.inc({ result: 'missing' }, missing.length);
      return { registrations, missing };
    },
  );

  app.get(
    '/v1/accounts/:accountId/registrations',
    {
      schema: {
        ...common,
        summary: 'Live registrations of every device of an account',
        params: Type.Object({ accountId: AccountId }),
        response: { 200: AccountRegistrationsResponse, ...errors },
      },
    },
    async (request) => ({ registrations: await store.listByAccount(request.params.accountId) }),
  );

  app.put(
    '/v1/edges/:edgeId/lease',
    {
      config: edgesOnly,
      schema: {
        ...common,
        summary: "Create or extend an edge's liveness lease; renewed=false means: register your connections again",
        params: Type.Object({ edgeId: EdgeId }),
        body: LeaseRequest,
        response: { 200: LeaseResponse, ...errors },
      },
    },
    async (request, reply) => {
      if (offList([request.body.edgeUrl]) !== undefined) return reply.code(403).send(forbiddenHost(request.body.edgeUrl));
      const { edgeUrl, ttlSeconds, incarnation } = request.body;
      return store.renewLease(request.params.edgeId, edgeUrl, ttlSeconds, incarnation);
    },
  );

  app.delete(
    '/v1/edges/:edgeId/lease',
    {
      config: edgesOnly,
      schema: {
        ...common,
        summary: "Release an edge's lease: its registrations stop resolving at once",
        params: Type.Object({ edgeId: EdgeId }),
        response: { 204: Type.Null({ description: 'Released.' }), ...errors },
      },
    },
    async (request, reply) => {
      await store.releaseLease(request.params.edgeId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/leases/status',
    {
      config: edgesOnly,
      schema: {
        ...common,
        summary:
          'Live leases of many edges; an edge whose lease is absent or lapsed is left out, and a changed epoch means the lease was taken afresh',
        body: LeaseStatusRequest,
        response: { 200: LeaseStatusResponse, ...errors },
      },
    },
    async (request) => ({ leases: await store.readLeases(request.body.edgeIds) }),
  );
};
