import { invalidArgument } from './bus-options';
import type { TailOptions } from './event-bus';

/** Largest batch a tail hands to its handler at once (the memory bus; Kafka hands what one fetch returned). */
export const TAIL_MAX_BATCH_SIZE = 500;

/** What an adapter reports when a tail's handler rejected: those records are skipped, the tail goes on. */
export interface TailRejection {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the first record of the batch the handler rejected. */
  readonly firstOffset: string;
  readonly records: number;
  readonly error: unknown;
}

/**
 * Told of every tail handler rejection. A tail is a live feed and hands nothing twice, so this is
 * where the failure becomes visible. Must not throw.
 */
export type TailRejectionListener = (rejection: TailRejection) => void;

/** Throws EventBusError (`invalid_request`) for tail options no bus could follow. */
export function checkTailOptions(opts: TailOptions): void {
  if (typeof opts.topic !== 'string' || !opts.topic) throw invalidArgument('tail: topic must be a non-empty string');
  if (typeof opts.handler !== 'function') throw invalidArgument(`tail of ${opts.topic}: handler must be a function`);
  if (opts.sinceMs !== undefined && !Number.isFinite(opts.sinceMs))
    throw invalidArgument(`tail of ${opts.topic}: sinceMs must be a finite number (epoch ms), got ${opts.sinceMs}`);
}
