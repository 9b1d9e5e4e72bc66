/** Jest globalTeardown: stops only what global-setup.ts started (nothing, when it used the env or `up`). */
import type { RunningInfra } from '../start';
import { HANDLE } from './handle';

export default async function globalTeardown(): Promise<void> {
  const infra = (globalThis as Record<symbol, unknown>)[HANDLE] as RunningInfra | undefined;
  if (!infra) return;
  delete (globalThis as Record<symbol, unknown>)[HANDLE];
  await infra.stop();
}
