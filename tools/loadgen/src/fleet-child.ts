/**
 * One process of a ClientFleet: hosts LOADGEN_THREADS worker threads running client-worker.ts and
 * relays the fleet's commands to them over IPC. Started by ClientFleet only, through
 * `sh -c 'ulimit -n "$(ulimit -Hn)"; exec node --require tsx/cjs fleet-child.ts'`, so its soft file
 * limit (LOADGEN_FD_LIMIT, reported back) is as high as the machine allows.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FleetChildMessage, FleetParentMessage } from './fleet-ipc';
import type { WorkerReply, WorkerSettings } from './worker-messages';

const threads = Number(process.env.LOADGEN_THREADS);
const settings: WorkerSettings = { latencyCap: Number(process.env.LOADGEN_LATENCY_CAP) };

function send(message: FleetChildMessage): void {
  process.send!(message);
}

function fatal(error: string): never {
  // Synchronous stderr: the parent may be gone, and the process exits right after.
  process.stderr.write(`loadgen fleet child ${process.pid}: ${error}\n`);
  if (process.connected) send({ type: 'fatal', error });
  process.exit(1);
}

if (!process.send) fatal('must be started by ClientFleet (no IPC channel)');
if (!Number.isInteger(threads) || threads < 1) fatal(`LOADGEN_THREADS must be a positive integer, got "${process.env.LOADGEN_THREADS}"`);

// A bench that dies must not leave its clients behind: no parent, no fleet.
process.on('disconnect', () => process.exit(0));

let online = 0;
const workers = Array.from({ length: threads }, (_, index) => {
  const worker = new Worker(join(__dirname, 'client-worker.ts'), { workerData: { loadgen: settings } });
  worker.on('online', () => {
    if (++online === threads) send({ type: 'ready', fdLimit: Number(process.env.LOADGEN_FD_LIMIT) || 0 });
  });
  worker.on('message', (reply: WorkerReply) => {
    if (process.connected) send({ type: 'reply', worker: index, reply });
  });
  worker.on('error', (err) => fatal(`worker ${index} failed: ${err.stack ?? err.message}`));
  worker.on('exit', (code) => fatal(`worker ${index} exited (code ${code})`));
  return worker;
});

process.on('message', (message: FleetParentMessage) => {
  const worker = workers[message.worker];
  if (!worker) fatal(`no worker ${message.worker} in this process`);
  worker.postMessage(message.command);
});
