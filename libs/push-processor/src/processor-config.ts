import { DEFAULT_MAX_MESSAGE_BYTES, MAX_DELIVERY_BATCH } from '@pushwire/protocol';
import {
  bool,
  ConfigError,
  int,
  journalConfigSpec,
  loadServiceConfig,
  serviceTokenConfigSpec,
  str,
  url,
  type ConfigOf,
  type WithServiceTokens,
} from '@pushwire/service-kit';
import type { KafkaEventBusTuning } from '@pushwire/event-bus';
import type { PushProcessorOptions } from './push-processor';

/** Every message-processor setting, its env key and default. */
export const processorConfigSpec = {
  host: str({ env: 'PUSHWIRE_PROCESSOR_HOST', default: '0.0.0.0', description: 'Address the processor HTTP API binds to.' }),
  port: int({
    env: 'PUSHWIRE_PROCESSOR_PORT',
    default: 8083,
    min: 0,
    max: 65535,
    description:
      'Processor HTTP API: POST /v1/push-requests, GET /v1/outcomes, GET /v1/dlq, POST /v1/dlq/replay, /healthz, /readyz, /metrics.',
  }),
  ...serviceTokenConfigSpec,
  ...journalConfigSpec,
  registryUrl: url({
    env: 'PUSHWIRE_REGISTRY_URL',
    default: 'http://127.0.0.1:8082',
    description: "Registry base URL (lookups, and the devices' inboxes).",
  }),
  kafkaBrokers: str({
    env: 'KAFKA_BROKERS',
    default: '',
    pattern: /^$|^[^\s,]+(,[^\s,]+)*$/,
    description: 'Kafka bootstrap brokers, host:port[,host:port…]; required by the standalone processor.',
  }),
  groupId: str({
    env: 'PUSHWIRE_PROCESSOR_GROUP_ID',
    default: 'pushwire-message-processor',
    description: 'Consumer group over the three push-request topics.',
  }),
  concurrencyHigh: int({
    env: 'PUSHWIRE_PROCESSOR_CONCURRENCY_HIGH',
    default: 2000,
    min: 1,
    max: 100_000,
    description:
      'High-priority targets (devices) with a message in flight at once, over all partitions; their deliveries go out together in waves (PUSHWIRE_PROCESSOR_DELIVERY_WAVE).',
  }),
  concurrencyNormal: int({
    env: 'PUSHWIRE_PROCESSOR_CONCURRENCY_NORMAL',
    default: 1000,
    min: 1,
    max: 100_000,
    description: 'Normal-priority targets with a message in flight at once.',
  }),
  concurrencyLow: int({
    env: 'PUSHWIRE_PROCESSOR_CONCURRENCY_LOW',
    default: 250,
    min: 1,
    max: 100_000,
    description: 'Low-priority targets with a message in flight at once.',
  }),
  deliveryWave: int({
    env: 'PUSHWIRE_PROCESSOR_DELIVERY_WAVE',
    default: MAX_DELIVERY_BATCH,
    min: 1,
    max: MAX_DELIVERY_BATCH,
    description:
      'Most deliveries handed over together: the messages the targets in flight start in one event-loop turn go out as one wave, i.e. one registry lookup for the routes not cached and one POST /v1/deliver per target edge.',
  }),
  batchRecords: int({
    env: 'PUSHWIRE_PROCESSOR_BATCH_RECORDS',
    default: 1000,
    min: 1,
    max: 100_000,
    description: "Records per handled batch: a fetched partition's records are handled (and committed) in chunks this large.",
  }),
  partitionsConcurrently: int({
    env: 'PUSHWIRE_PROCESSOR_PARTITIONS_CONCURRENTLY',
    default: 0,
    min: 0,
    max: 10_000,
    description:
      'Partitions whose batches are handled at once (kafkajs partitionsConsumedConcurrently); 0: one per request partition, so no priority waits on another.',
  }),
  fetchMaxWaitMs: int({
    env: 'PUSHWIRE_PROCESSOR_FETCH_MAX_WAIT_MS',
    default: 100,
    min: 1,
    max: 30_000,
    description: 'Longest a fetch waits on the broker for PUSHWIRE_PROCESSOR_FETCH_MIN_BYTES (kafkajs maxWaitTimeInMs).',
  }),
  fetchMinBytes: int({
    env: 'PUSHWIRE_PROCESSOR_FETCH_MIN_BYTES',
    default: 1,
    min: 1,
    max: 64 * 1024 * 1024,
    description: 'Least data a fetch waits for (kafkajs minBytes); 1 answers as soon as a record is there (lowest latency).',
  }),
  fetchMaxBytesPerPartition: int({
    env: 'PUSHWIRE_PROCESSOR_FETCH_MAX_BYTES_PER_PARTITION',
    default: 4 * 1024 * 1024,
    min: 1024,
    max: 256 * 1024 * 1024,
    description: 'Most data one fetch takes of one partition (kafkajs maxBytesPerPartition); at least the largest record.',
  }),
  fetchMaxBytes: int({
    env: 'PUSHWIRE_PROCESSOR_FETCH_MAX_BYTES',
    default: 32 * 1024 * 1024,
    min: 1024,
    max: 1024 * 1024 * 1024,
    description: 'Most data one fetch takes in all (kafkajs maxBytes); at least PUSHWIRE_PROCESSOR_FETCH_MAX_BYTES_PER_PARTITION.',
  }),
  quickAttempts: int({
    env: 'PUSHWIRE_PROCESSOR_QUICK_ATTEMPTS',
    default: 3,
    min: 1,
    max: 100,
    description:
      "Delivery attempts (the first included) for a queued message meeting gone, backpressure, unavailable or rate_limited before it goes to the device's inbox (not_connected goes at once). Retries are bounded by the message's TTL, not by a count.",
  }),
  retryBaseMs: int({
    env: 'PUSHWIRE_PROCESSOR_RETRY_BASE_MS',
    default: 200,
    min: 1,
    max: 60_000,
    description: 'First retry backoff ceiling; doubles per retry (full jitter for quick retries, equal jitter between store attempts).',
  }),
  retryMaxMs: int({
    env: 'PUSHWIRE_PROCESSOR_RETRY_MAX_MS',
    default: 5_000,
    min: 1,
    max: 600_000,
    description:
      'Largest retry backoff. While even the inbox is unavailable a message is tried again at most this far apart until its TTL ends (then: outcome expired, dead letter expired_while_unavailable).',
  }),
  inboxSweepMs: int({
    env: 'PUSHWIRE_PROCESSOR_INBOX_SWEEP_MS',
    default: 1_000,
    min: 10,
    max: 3_600_000,
    description: 'Pause between expiry sweeps: inbox entries whose TTL ended are taken and get their final outcome, expired.',
  }),
  replay: bool({
    env: 'PUSHWIRE_PROCESSOR_REPLAY',
    default: false,
    description:
      'A consumer group without committed offsets (a new PUSHWIRE_PROCESSOR_GROUP_ID) starts at the oldest records instead of the newest: replays the request topics. A group with committed offsets always resumes where it stopped.',
  }),
  maxMessageBytes: int({
    env: 'PUSHWIRE_MAX_MESSAGE_BYTES',
    default: DEFAULT_MAX_MESSAGE_BYTES,
    min: 256,
    description: "The edges' largest frame (set it as on the edges): a payload larger than this can never be delivered, so it is refused.",
  }),
  defaultTtlSeconds: int({
    env: 'PUSHWIRE_PROCESSOR_DEFAULT_TTL_SECONDS',
    default: 3600,
    min: 1,
    max: 28 * 24 * 3600,
    description: 'TTL of enqueued messages that carry none.',
  }),
  partitionsHigh: int({
    env: 'PUSHWIRE_TOPIC_PARTITIONS_HIGH',
    default: 6,
    min: 1,
    max: 10_000,
    description: 'Partitions pushwire.push-requests.high is created with.',
  }),
  partitionsNormal: int({
    env: 'PUSHWIRE_TOPIC_PARTITIONS_NORMAL',
    default: 6,
    min: 1,
    max: 10_000,
    description: 'Partitions pushwire.push-requests.normal is created with.',
  }),
  partitionsLow: int({
    env: 'PUSHWIRE_TOPIC_PARTITIONS_LOW',
    default: 3,
    min: 1,
    max: 10_000,
    description: 'Partitions pushwire.push-requests.low is created with.',
  }),
  partitionsOutcomes: int({
    env: 'PUSHWIRE_TOPIC_PARTITIONS_OUTCOMES',
    default: 6,
    min: 1,
    max: 10_000,
    description: 'Partitions pushwire.push-outcomes is created with.',
  }),
  partitionsDlq: int({
    env: 'PUSHWIRE_TOPIC_PARTITIONS_DLQ',
    default: 1,
    min: 1,
    max: 10_000,
    description: 'Partitions pushwire.push-dlq is created with.',
  }),
};

/** The processor's settings, and its service tokens by role (sender: what it presents; both: what its API takes). */
export type ProcessorConfig = WithServiceTokens<ConfigOf<typeof processorConfigSpec>>;

/** Loads the processor's configuration; overrides win over the environment (the all-in-one sets its own). */
export function loadProcessorConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ProcessorConfig> = {}): ProcessorConfig {
  const config = loadServiceConfig(processorConfigSpec, env, overrides, {
    required: ['sender'],
    why: 'the processor looks devices up and delivers to edges with the first sender token (and takes senders’ enqueues)',
  });
  if (config.fetchMaxBytes < config.fetchMaxBytesPerPartition)
    throw new ConfigError(
      `PUSHWIRE_PROCESSOR_FETCH_MAX_BYTES (${config.fetchMaxBytes}) must be at least PUSHWIRE_PROCESSOR_FETCH_MAX_BYTES_PER_PARTITION (${config.fetchMaxBytesPerPartition})`,
    );
  return config;
}

/** The Kafka consumer settings of the processor's bus (its fetch sizes and wait). */
export function processorKafkaTuning(
  c: ProcessorConfig,
): Pick<KafkaEventBusTuning, 'fetchMaxWaitMs' | 'fetchMinBytes' | 'fetchMaxBytesPerPartition' | 'fetchMaxBytes'> {
  return {
    fetchMaxWaitMs: c.fetchMaxWaitMs,
    fetchMinBytes: c.fetchMinBytes,
    fetchMaxBytesPerPartition: c.fetchMaxBytesPerPartition,
    fetchMaxBytes: c.fetchMaxBytes,
  };
}

/** The processor options a configuration implies (everything but the bus, delivery and logger). */
export function processorSettings(
  c: ProcessorConfig,
): Pick<
  PushProcessorOptions,
  | 'groupId'
  | 'replay'
  | 'concurrency'
  | 'retry'
  | 'defaultTtlSeconds'
  | 'maxMessageBytes'
  | 'partitions'
  | 'partitionsConcurrently'
  | 'inboxSweepMs'
  | 'deliveryWave'
  | 'maxBatchSize'
> {
  const partitions = {
    high: c.partitionsHigh,
    normal: c.partitionsNormal,
    low: c.partitionsLow,
    outcomes: c.partitionsOutcomes,
    dlq: c.partitionsDlq,
  };
  return {
    groupId: c.groupId,
    replay: c.replay,
    inboxSweepMs: c.inboxSweepMs,
    concurrency: { high: c.concurrencyHigh, normal: c.concurrencyNormal, low: c.concurrencyLow },
    retry: { quickAttempts: c.quickAttempts, baseDelayMs: c.retryBaseMs, maxDelayMs: Math.max(c.retryBaseMs, c.retryMaxMs) },
    defaultTtlSeconds: c.defaultTtlSeconds,
    maxMessageBytes: c.maxMessageBytes,
    partitions,
    // Every request partition gets its own slot, so a low-priority backlog never holds up a high one.
    partitionsConcurrently: c.partitionsConcurrently || partitions.high + partitions.normal + partitions.low,
    deliveryWave: c.deliveryWave,
    maxBatchSize: c.batchRecords,
  };
}
