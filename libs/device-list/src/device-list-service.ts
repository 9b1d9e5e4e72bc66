import type { FastifyInstance } from 'fastify';
import type { EventBus } from '@pushwire/event-bus';
import { HttpRegistryClient, type RegistryClient } from '@pushwire/registry-client';
import { createMetricsRegistry, listenOn, type Logger } from '@pushwire/service-kit';
import { AccountNotifier } from './account-notifier';
import type { DeviceListConfig } from './device-list-config';
import { DeviceListMetrics } from './device-list-metrics';
import type { DeviceListStore } from './device-list-store';
import { DeviceTracker } from './device-tracker';
import { DeviceEventConsumer } from './event-consumer';
import { buildDeviceListApp } from './http/device-list-app';
import { LeaseSweeper } from './lease-sweeper';

export interface DeviceListServiceDeps {
  readonly config: DeviceListConfig;
  readonly bus: EventBus;
  readonly store: DeviceListStore;
  readonly logger: Logger;
  /** Registry access for lease checks; default HTTP to `config.registryUrl` (the all-in-one passes its store). */
  readonly registry?: RegistryClient;
}

/**
 * The device-list service, wired once for the standalone app and the all-in-one: the event consumer,
 * the tracker that stores changes and notifies accounts, the lease sweep, and the HTTP API.
 */
export class DeviceListService {
  readonly app: FastifyInstance;
  readonly tracker: DeviceTracker;
  readonly sweeper: LeaseSweeper;
  private readonly consumer: DeviceEventConsumer;
  private readonly notifier: AccountNotifier;
  private readonly registry: RegistryClient;

  constructor(private readonly deps: DeviceListServiceDeps) {
    const { config, bus, store, logger } = deps;
    const metricsRegistry = createMetricsRegistry('device-list');
    // Lease status and notices are edge-role work: the device list presents its edge token.
    const edgeToken = config.serviceTokens.edge[0]!;
    this.registry = deps.registry ?? new HttpRegistryClient({ baseUrl: config.registryUrl, serviceToken: edgeToken });
    const metrics = new DeviceListMetrics(metricsRegistry, () => this.consumer.lag());
    this.notifier = new AccountNotifier({ serviceToken: edgeToken });
    this.tracker = new DeviceTracker(store, this.notifier, metrics, logger);
    this.consumer = new DeviceEventConsumer({
      bus,
      tracker: this.tracker,
      metrics,
      logger,
      groupId: config.groupId,
      partitions: config.partitions,
      fromBeginning: config.fromBeginning,
    });
    this.sweeper = new LeaseSweeper(store, this.registry, this.tracker, metrics, logger, config.sweepIntervalMs);
    this.app = buildDeviceListApp({
      store,
      serviceTokens: config.serviceTokens,
      logger,
      metricsRegistry,
      readiness: this.consumer.readinessChecks(),
    });
  }

  /** Creates the topics, joins the group, starts the sweep, opens the API. Resolves with its port. */
  async start(): Promise<number> {
    await this.consumer.start();
    this.sweeper.start();
    return listenOn(this.app, this.deps.config.host, this.deps.config.port);
  }

  /** Closes the API, stops the sweep and the consumer (finishing batches in hand). The bus and store stay open (their owner closes them). */
  async stop(): Promise<void> {
    await this.app.close();
    await this.sweeper.stop();
    await this.consumer.stop();
    await this.notifier.close();
    if (!this.deps.registry) await this.registry.close();
  }
}
