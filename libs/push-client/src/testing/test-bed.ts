import type { PushClientOptions } from '../options';
import { PushClient } from '../push-client';
import type { FakeEdge } from '@pushwire/edge-client/testing';
import { Harness, SERVICE_TOKEN } from './registry-harness';

/** What each test of a push-client suite works with. Fresh for every test. */
export interface TestBed {
  /** The real registry (memory store) on port 0. */
  readonly h: Harness;
  /** Two fake edges holding live leases. */
  readonly edgeA: FakeEdge;
  readonly edgeB: FakeEdge;
  /** A PushClient on the harness's counting registry with the suite's defaults, closed after the test. */
  client(opts?: Partial<PushClientOptions>): PushClient;
  /** Closes a client built some other way (e.g. on a registry URL) after the test. */
  own(client: PushClient): PushClient;
}

/**
 * Registers the hooks of a push-client suite: before each test a fresh harness with `edge-a` and
 * `edge-b`, after it every client closed and the harness stopped.
 */
export function useTestBed(defaults: Partial<PushClientOptions> = {}): TestBed {
  const clients: PushClient[] = [];
  const bed = {
    h: undefined as unknown as Harness,
    edgeA: undefined as unknown as FakeEdge,
    edgeB: undefined as unknown as FakeEdge,
    own(client: PushClient): PushClient {
      clients.push(client);
      return client;
    },
    client(opts: Partial<PushClientOptions> = {}): PushClient {
      return bed.own(new PushClient({ registry: bed.h.registry, serviceToken: SERVICE_TOKEN, ...defaults, ...opts }));
    },
  };
  // Two real edges per test: on a loaded 2-core machine their start alone can pass jest's 5 s default.
  beforeEach(async () => {
    bed.h = await Harness.start();
    bed.edgeA = await bed.h.edge('edge-a');
    bed.edgeB = await bed.h.edge('edge-b');
  }, 30_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await bed.h.close();
  });
  return bed;
}
