import type { Cluster, ServiceProcess } from '@pushwire/cluster';
import type { ChaosInfra } from './chaos-infra';
import type { ChaosProfile, FaultName } from './profiles';

/** When a fault began, when its cause was undone (the process started again, the store back), and when that was ready. */
export interface FaultWindow {
  readonly name: FaultName;
  readonly injectedAt: number;
  readonly restoredAt: number;
  /** The restarted part answered its readiness probe. */
  readonly readyAt: number;
}

export interface FaultContext {
  readonly cluster: Cluster;
  readonly infra: ChaosInfra;
  readonly profile: ChaosProfile;
  /** Waits, or rejects when the soak is aborted. */
  readonly sleep: (ms: number) => Promise<void>;
}

/** What each fault does, in words (for the report). */
export const FAULT_DESCRIPTIONS: Record<FaultName, string> = {
  'kill-edge-1': 'SIGKILL of edge-1, started again at once',
  'kill-edge-2': 'SIGKILL of edge-2, started again at once',
  'kill-processor': 'SIGKILL of the message processor, started again at once',
  'kill-registry': 'SIGKILL of the registry, started again at once',
  'kill-device-list': 'SIGKILL of the device list, started again at once',
  'dynamodb-outage': 'DynamoDB Local stopped, started again on the same data after the outage',
  'kafka-broker-restart': 'SIGKILL of the Kafka broker, started again on the same data after the outage',
  'cluster-restart': 'every service stopped (SIGTERM), queued pushes enqueued meanwhile, everything started again',
};

/** Injects one fault and undoes it; resolves once the part is back and ready. */
export async function injectFault(name: FaultName, ctx: FaultContext): Promise<FaultWindow> {
  const { cluster, infra, profile, sleep } = ctx;
  const injectedAt = Date.now();
  const window = async (restore: () => Promise<void>): Promise<FaultWindow> => {
    const restoredAt = Date.now();
    await restore();
    return { name, injectedAt, restoredAt, readyAt: Date.now() };
  };
  const killAndRestart = async (proc: ServiceProcess) => {
    await proc.stop('SIGKILL');
    return window(() => proc.start());
  };
  switch (name) {
    case 'kill-edge-1':
      return killAndRestart(cluster.edges[0]!.process);
    case 'kill-edge-2':
      return killAndRestart(cluster.edges[1]!.process);
    case 'kill-processor':
      return killAndRestart(cluster.processor);
    case 'kill-registry':
      return killAndRestart(cluster.registry);
    case 'kill-device-list':
      return killAndRestart(cluster.deviceList);
    case 'dynamodb-outage':
      await infra.stopDynamo();
      await sleep(injectedAt + profile.dynamodbOutageSeconds * 1000 - Date.now());
      return window(() => infra.startDynamo());
    case 'kafka-broker-restart':
      await infra.killKafka();
      await sleep(injectedAt + profile.kafkaOutageSeconds * 1000 - Date.now());
      return window(() => infra.startKafka());
    case 'cluster-restart':
      await cluster.stop();
      await sleep(profile.clusterDownSeconds * 1000);
      return window(() => startAgain(cluster));
  }
}

/** Starts every service of a stopped cluster in startCluster's order: registry, device list, then edges and processor. */
export async function startAgain(cluster: Cluster): Promise<void> {
  await cluster.registry.start();
  await cluster.deviceList.start();
  await Promise.all([...cluster.edges.map((e) => e.process.start()), cluster.processor.start()]);
}
