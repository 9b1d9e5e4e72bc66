import type { ReconnectOptions } from '@pushwire/device-client';
import type { TrafficMix } from './traffic';

/** The faults, in the order the soak injects them. */
export const FAULT_NAMES = [
  'kill-edge-1',
  'kill-edge-2',
  'kill-processor',
  'kill-registry',
  'kill-device-list',
  'dynamodb-outage',
  'kafka-broker-restart',
  'cluster-restart',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** How big and how long one soak is. */
export interface ChaosProfile {
  readonly name: 'quick' | 'full';
  readonly devices: number;
  readonly traffic: TrafficMix;
  /** The devices' reconnect policy (SDK options). */
  readonly reconnect: ReconnectOptions;
  /** Traffic before the first fault. */
  readonly warmupSeconds: number;
  /** Traffic after a fault recovered (or its recovery budget ran out), before the next one. */
  readonly settleSeconds: number;
  /** Longest wait for both probes to succeed after a fault. */
  readonly recoveryBudgetSeconds: number;
  readonly dynamodbOutageSeconds: number;
  readonly kafkaOutageSeconds: number;
  /** The whole cluster stays stopped this long while queued pushes keep being enqueued. */
  readonly clusterDownSeconds: number;
  /** After the traffic stopped: longest wait for what is still owed to arrive. */
  readonly drainSeconds: number;
  /** Every probe path is tried this often. */
  readonly probeIntervalMs: number;
  /** The whole run is aborted (and reported as failed) after this long. */
  readonly deadlineSeconds: number;
  readonly faults: readonly FaultName[];
}

/** The scale: 1,000 devices over two edges, 70/s direct and 60/s queued, every fault. */
export const FULL: ChaosProfile = {
  name: 'full',
  devices: 1000,
  traffic: {
    directPerSecond: 70,
    queuedPerSecond: 60,
    ackShare: 0.25,
    shortTtlShare: 0.1,
    shortTtlSeconds: 30,
    longTtlSeconds: 3600,
  },
  reconnect: { baseDelayMs: 500, maxDelayMs: 10_000 },
  warmupSeconds: 30,
  settleSeconds: 30,
  recoveryBudgetSeconds: 90,
  dynamodbOutageSeconds: 15,
  kafkaOutageSeconds: 10,
  clusterDownSeconds: 20,
  drainSeconds: 120,
  probeIntervalMs: 500,
  deadlineSeconds: 40 * 60,
  faults: FAULT_NAMES,
};

/** For CI: every fault, fewer devices, lower rates and shorter phases (about 5–6 minutes). */
export const QUICK: ChaosProfile = {
  ...FULL,
  name: 'quick',
  devices: 60,
  traffic: { ...FULL.traffic, directPerSecond: 10, queuedPerSecond: 10 },
  reconnect: { baseDelayMs: 500, maxDelayMs: 5_000 },
  warmupSeconds: 10,
  settleSeconds: 6,
  recoveryBudgetSeconds: 45,
  clusterDownSeconds: 10,
  drainSeconds: 30,
  deadlineSeconds: 12 * 60,
};
