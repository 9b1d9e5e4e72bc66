import type { WorkerCommand, WorkerReply } from './worker-messages';

/** From the fleet to one of its processes: a command for worker thread `worker` of that process. */
export interface FleetParentMessage {
  worker: number;
  command: WorkerCommand;
}

/** From a fleet process to the fleet. */
export type FleetChildMessage =
  /** All worker threads are up; `fdLimit` is the process's soft file limit (0 if unknown). */
  | { type: 'ready'; fdLimit: number }
  | { type: 'reply'; worker: number; reply: WorkerReply }
  /** The process cannot go on (a worker thread died); it exits next. */
  | { type: 'fatal'; error: string };
