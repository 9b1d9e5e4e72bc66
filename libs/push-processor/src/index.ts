/** @pushwire/push-processor — indirect push: the message processor's logic, config and HTTP API. */
export { PushProcessor, type PushProcessorOptions } from './push-processor';
export { pushClientDelivery, type DeliveryPort, type DeliveryAttempt } from './delivery-port';
export { ProcessorMetrics } from './processor-metrics';
export { processorConfigSpec, loadProcessorConfig, processorSettings, type ProcessorConfig } from './processor-config';
export { isTransient, backoffMs, type RetryPolicy } from './retry-policy';
export { buildProcessorApp, type ProcessorAppOptions, type Enqueue } from './http/processor-app';
export { ProcessorService, type ProcessorServiceDeps } from './processor-service';
