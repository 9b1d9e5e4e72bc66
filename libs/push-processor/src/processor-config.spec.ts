import { ConfigError } from '@pushwire/service-kit';
import { loadProcessorConfig, processorKafkaTuning, processorSettings } from './processor-config';

const env = (extra: Record<string, string> = {}) => ({
  PUSHWIRE_SENDER_TOKENS: 'a-sender-token-0123456789',
  PUSHWIRE_EDGE_TOKENS: 'an-edge-token-0123456789',
  ...extra,
});

describe('processor config: batching, fetch sizes and concurrency', () => {
  it('defaults to waves of a whole edge request and target-counted concurrency, every request partition at once', () => {
    const c = loadProcessorConfig(env());
    const s = processorSettings(c);
    expect(s.concurrency).toEqual({ high: 2000, normal: 1000, low: 250 });
    expect([s.deliveryWave, s.maxBatchSize, s.partitionsConcurrently]).toEqual([1000, 1000, 6 + 6 + 3]);
    expect(processorKafkaTuning(c)).toEqual({
      fetchMaxWaitMs: 100,
      fetchMinBytes: 1,
      fetchMaxBytesPerPartition: 4 * 1024 * 1024,
      fetchMaxBytes: 32 * 1024 * 1024,
    });
  });

  it('takes every knob from the environment', () => {
    const c = loadProcessorConfig(
      env({
        PUSHWIRE_PROCESSOR_DELIVERY_WAVE: '200',
        PUSHWIRE_PROCESSOR_BATCH_RECORDS: '300',
        PUSHWIRE_PROCESSOR_PARTITIONS_CONCURRENTLY: '4',
        PUSHWIRE_PROCESSOR_FETCH_MAX_WAIT_MS: '20',
        PUSHWIRE_PROCESSOR_FETCH_MIN_BYTES: '65536',
        PUSHWIRE_PROCESSOR_FETCH_MAX_BYTES_PER_PARTITION: '2097152',
        PUSHWIRE_PROCESSOR_FETCH_MAX_BYTES: '8388608',
      }),
    );
    const s = processorSettings(c);
    expect([s.deliveryWave, s.maxBatchSize, s.partitionsConcurrently]).toEqual([200, 300, 4]);
    expect(processorKafkaTuning(c)).toEqual({
      fetchMaxWaitMs: 20,
      fetchMinBytes: 65536,
      fetchMaxBytesPerPartition: 2097152,
      fetchMaxBytes: 8388608,
    });
  });

  it('refuses values out of range and a total fetch smaller than a partition fetch, naming the key', () => {
    expect(() => loadProcessorConfig(env({ PUSHWIRE_PROCESSOR_DELIVERY_WAVE: '1001' }))).toThrow(/PUSHWIRE_PROCESSOR_DELIVERY_WAVE/);
    expect(() => loadProcessorConfig(env({ PUSHWIRE_PROCESSOR_FETCH_MAX_WAIT_MS: '0' }))).toThrow(/PUSHWIRE_PROCESSOR_FETCH_MAX_WAIT_MS/);
    expect(() => loadProcessorConfig(env({ PUSHWIRE_PROCESSOR_CONCURRENCY_NORMAL: 'lots' }))).toThrow(ConfigError);
    expect(() =>
      loadProcessorConfig(
        env({ PUSHWIRE_PROCESSOR_FETCH_MAX_BYTES_PER_PARTITION: '4194304', PUSHWIRE_PROCESSOR_FETCH_MAX_BYTES: '1048576' }),
      ),
    ).toThrow(/PUSHWIRE_PROCESSOR_FETCH_MAX_BYTES \(1048576\) must be at least/);
  });
});
