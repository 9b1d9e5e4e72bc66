import { MemoryEventBus } from '@pushwire/event-bus';
import { TestInboxClient } from '@pushwire/registry/testing';
import { silentLogger } from '@pushwire/service-kit';
import { loadProcessorConfig } from '../processor-config';
import { ProcessorService } from '../processor-service';

/** A running processor service for a spec: its API on a real port over the in-memory bus, the inbox in memory. */
export interface TestService {
  readonly service: ProcessorService;
  readonly bus: MemoryEventBus;
  readonly baseUrl: string;
}

/**
 * Starts the processor service as `npm start` runs it, with `token` as its service token. No
 * registry (port 9): a message it consumes cannot be delivered and is stored after one attempt.
 * Stop it with `stopTestService`.
 */
export async function startTestService(token: string): Promise<TestService> {
  const bus = new MemoryEventBus();
  const config = loadProcessorConfig(
    {},
    { serviceToken: token, host: '127.0.0.1', port: 0, registryUrl: 'http://127.0.0.1:9', quickAttempts: 1 },
  );
  const service = new ProcessorService({ config, bus, logger: silentLogger(), inbox: new TestInboxClient() });
  return { service, bus, baseUrl: `http://127.0.0.1:${await service.start()}` };
}

export async function stopTestService(t: TestService | undefined): Promise<void> {
  await t?.service.stop();
  await t?.bus.close();
}
