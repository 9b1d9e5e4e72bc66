/** @pushwire/push-processor — indirect push: the message processor's logic, config and HTTP API. */
export { PushProcessor, DEFAULT_INBOX_SWEEP_MS, type PushProcessorOptions } from './push-processor';
export { RequestLifecycle, type Handled } from './request-lifecycle';
export { ExpirySweep, EXPIRED_IN_INBOX, type ExpirySweepOptions } from './expiry-sweep';
export { pushClientDelivery, type DeliveryPort, type DeliveryAttempt, type DeliveryOptions, type DeliveryItem } from './delivery-port';
export { DeliveryWaves, DEFAULT_DELIVERY_WAVE } from './delivery-waves';
export { ProcessorMetrics } from './processor-metrics';
export {
  processorConfigSpec,
  loadProcessorConfig,
  processorSettings,
  processorKafkaTuning,
  type ProcessorConfig,
} from './processor-config';
export { isTransient, isInboxable, backoffMs, storeRetryMs, type RetryPolicy } from './retry-policy';
export { buildProcessorApp, type ProcessorAppOptions, type Enqueue } from './http/processor-app';
export { ProcessorService, type ProcessorServiceDeps } from './processor-service';
