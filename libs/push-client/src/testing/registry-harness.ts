import { deviceRefKey, type DeviceRef, type Registration } from '@pushwire/protocol';
// Test-only: the push client's tests stand up the real registry service rather than a double.
import { buildRegistryApp, MemoryRegistryStore } from '@pushwire/registry';
import { HttpRegistryClient, type RegistryClient } from '@pushwire/registry-client';
import { silentLogger } from '@pushwire/service-kit';
import { FakeEdge } from '@pushwire/edge-client/testing';
import type { EventBus } from '@pushwire/event-bus';
import { PushClient, type PushClientOptions } from '../index';

export const SERVICE_TOKEN = 'push-client-test-token';
/** The account devices are placed in unless a test names another. */
export const ACCOUNT = 'acct-1';

/** Device `deviceId` of `accountId` (ACCOUNT by default), as a send names it. */
export const target = (deviceId: string, accountId = ACCOUNT): DeviceRef => ({ accountId, deviceId });

/**
 * A RegistryClient that counts what goes through it, so tests can assert how many lookups a send
 * cost. It delegates everything to the real HTTP client.
 */
export class CountingRegistry implements RegistryClient {
  /** The devices of each lookup, in order. */
  lookups: DeviceRef[][] = [];
  /** Account ids listed, in order. */
  lists: string[] = [];
  /** Runs after a listing is read and before it is returned: lets a test move a device in between. */
  afterList: (() => Promise<void>) | undefined;
  constructor(private readonly inner: RegistryClient) {}
  register: RegistryClient['register'] = (r) => this.inner.register(r);
  deregister: RegistryClient['deregister'] = (i) => this.inner.deregister(i);
  /** While set, lookups wait for it before asking the registry (a slow registry): see holdLookups. */
  private held: Promise<void> | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  lookup: RegistryClient['lookup'] = (devices) => {
    this.lookups.push([...devices]);
    const held = this.held;
    const answer = held ? held.then(() => this.inner.lookup(devices)) : this.inner.lookup(devices);
    this.pending.add(answer);
    const forget = () => this.pending.delete(answer);
    answer.then(forget, forget);
    return answer;
  };
  /** Resolves once every lookup under way has been answered and its callers have run (background refreshes included). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
    await new Promise((resolve) => setImmediate(resolve)); // the callers' continuations (a microtask chain) run first
  }
  /** Makes every lookup (those under way included) wait until the returned function is called. */
  holdLookups(): () => void {
    let release!: () => void;
    this.held = new Promise((resolve) => (release = resolve));
    return () => {
      this.held = undefined;
      release();
    };
  }
  listByAccount: RegistryClient['listByAccount'] = async (a) => {
    this.lists.push(a);
    const registrations = await this.inner.listByAccount(a);
    await this.afterList?.();
    return registrations;
  };
  renewLease: RegistryClient['renewLease'] = (e, u, t) => this.inner.renewLease(e, u, t);
  releaseLease: RegistryClient['releaseLease'] = (e) => this.inner.releaseLease(e);
  leaseStatus: RegistryClient['leaseStatus'] = (ids) => this.inner.leaseStatus(ids);
  close = () => this.inner.close();
}

/** The real registry (memory store) on port 0, fake edges holding leases, and a way to place devices. */
export class Harness {
  readonly edges: FakeEdge[] = [];
  private seq = 0;

  private constructor(
    private readonly app: { close(): Promise<unknown> },
    readonly registryUrl: string,
    /** Writes registrations and leases, as edges would. */
    readonly admin: HttpRegistryClient,
    /** What the push client under test uses: counts lookups. */
    readonly registry: CountingRegistry,
  ) {}

  static async start(): Promise<Harness> {
    const app = buildRegistryApp({ store: new MemoryRegistryStore(), serviceToken: SERVICE_TOKEN, logger: silentLogger() });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const registryUrl = address.replace('localhost', '127.0.0.1');
    const admin = new HttpRegistryClient({ baseUrl: registryUrl, serviceToken: SERVICE_TOKEN });
    const registry = new CountingRegistry(new HttpRegistryClient({ baseUrl: registryUrl, serviceToken: SERVICE_TOKEN }));
    return new Harness(app, registryUrl, admin, registry);
  }

  /** A fake edge that holds a live lease in the registry. */
  async edge(edgeId: string): Promise<FakeEdge> {
    const edge = await FakeEdge.start({ edgeId, serviceToken: SERVICE_TOKEN });
    await this.admin.renewLease(edgeId, edge.url, 600);
    this.edges.push(edge);
    return edge;
  }

  /**
   * Connects the device to `edge` with a new connection (the other edges forget it) and registers
   * that connection, the way a device that moved would end up. The device belongs to `accountId`.
   */
  async place(
    deviceId: string,
    edge: { edgeId: string; url: string; connections?: Map<string, string> },
    accountId = ACCOUNT,
  ): Promise<Registration> {
    const connectionId = `conn-${++this.seq}`;
    const key = deviceRefKey({ accountId, deviceId });
    for (const e of this.edges) e.connections.delete(key);
    edge.connections?.set(key, connectionId);
    const registration: Registration = {
      deviceId,
      accountId,
      deviceType: 'tv',
      edgeId: edge.edgeId,
      edgeUrl: edge.url,
      connectionId,
      connectedAt: Date.now() + this.seq,
      expiresAt: Math.floor(Date.now() / 1000) + 1800,
    };
    const [result] = await this.admin.register([registration]);
    if (result.outcome !== 'registered') throw new Error(`could not register ${deviceId}: ${result.outcome}`);
    return registration;
  }

  async close(): Promise<void> {
    await Promise.all(this.edges.map((e) => e.close()));
    await Promise.all([this.admin.close(), this.registry.close()]);
    await this.app.close();
  }
}

/** A URL nothing listens on: a server that listened on port 0 and was closed. */
export async function deadUrl(): Promise<string> {
  const edge = await FakeEdge.start({ edgeId: 'dead', serviceToken: SERVICE_TOKEN });
  await edge.close();
  return edge.url;
}

/**
 * Clients for specs of the bus paths only (enqueue, publish, broadcast): the registry URL is never
 * called, the clock is fixed at `now` and generated ids are `gen-1`, `gen-2`, … per client. `closeAll`
 * (in an afterEach) closes every client made so far.
 */
export function busOnlyClients(bus: () => EventBus, now: number) {
  const made: PushClient[] = [];
  return {
    client(opts: Partial<PushClientOptions> = {}): PushClient {
      let n = 0;
      const c = new PushClient({
        registryUrl: 'http://127.0.0.1:9',
        serviceToken: SERVICE_TOKEN,
        bus: bus(),
        now: () => now,
        newId: () => `gen-${++n}`,
        ...opts,
      });
      made.push(c);
      return c;
    },
    closeAll: () => Promise.all(made.splice(0).map((c) => c.close())),
  };
}
