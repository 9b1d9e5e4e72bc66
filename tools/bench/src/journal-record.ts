/**
 * What one MessageJournal.record costs on the hot path (docs/benchmarks/journal.md):
 * `npx tsx tools/bench/src/journal-record.ts`. Three shapes: a new message per record (the edge
 * writing pushes), a few events per message (a queued message's life), and a journal full at its
 * bound (every record evicts one). No OpenTelemetry SDK, as in a service with tracing off.
 */
import { MessageJournal } from '@pushwire/service-kit';

const target = { accountId: 'a1', deviceId: 'tv1' };

function measure(name: string, journal: MessageJournal, records: number, idOf: (i: number) => string): void {
  const r = journal.recorder('push-edge');
  // Warm up the JIT on the same path first.
  for (let i = 0; i < 50_000; i++) r.record('written', idOf(i), target, { edgeId: 'edge-1', inboxed: false });
  // CPU time, not wall time: on a shared machine the wall clock also counts other processes' turns.
  const started = process.cpuUsage();
  for (let i = 0; i < records; i++) r.record('written', idOf(i), target, { edgeId: 'edge-1', inboxed: false });
  const cpu = process.cpuUsage(started);
  const ns = ((cpu.user + cpu.system) * 1000) / records;
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  process.stdout.write(
    `${name.padEnd(44)} ${ns.toFixed(0).padStart(5)} ns/record   heap ${heapMiB.toFixed(0)} MiB, ${journal.size} messages\n`,
  );
}

const ids = Array.from({ length: 2_000_000 }, (_, i) => `m-${i}-0d1c2b3a`);
measure('new message each record (bound 100,000)', new MessageJournal(), 1_000_000, (i) => ids[i]!);
measure('4 events per message (bound 100,000)', new MessageJournal(), 1_000_000, (i) => ids[i >> 2]!);
measure('at the bound, evicting each record (10,000)', new MessageJournal({ maxMessages: 10_000 }), 1_000_000, (i) => ids[i]!);
measure('journal off (PUSHWIRE_JOURNAL_MAX_MESSAGES=0)', new MessageJournal({ maxMessages: 0 }), 1_000_000, (i) => ids[i]!);

// For scale, on the same machine and run: what the edge does anyway for every push it writes.
{
  const frame = { type: 'push', id: 'm-1-0d1c2b3a', payload: { hello: 'world', n: 1 }, priority: 'normal', sentAt: Date.now() };
  let bytes = 0;
  const started = process.cpuUsage();
  for (let i = 0; i < 1_000_000; i++) bytes += JSON.stringify({ ...frame, id: ids[i]! }).length;
  const cpu = process.cpuUsage(started);
  process.stdout.write(
    `${'reference: JSON.stringify of a small push frame'.padEnd(44)} ${(((cpu.user + cpu.system) * 1000) / 1_000_000).toFixed(0).padStart(5)} ns/frame (${bytes} bytes)\n`,
  );
}

// Memory held at the default bound, 4 events per message (run with node's --expose-gc to see it).
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  gc();
  const before = process.memoryUsage().heapUsed;
  const full = new MessageJournal();
  const r = full.recorder('push-edge');
  for (let i = 0; i < 400_000; i++) r.record('written', `msg-${i >> 2}-5f0e7c2a9b1d4e3f`, target, { edgeId: 'edge-1', inboxed: false });
  gc();
  const mib = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  process.stdout.write(`${'held: 100,000 messages × 4 events'.padEnd(44)} ${mib.toFixed(0).padStart(5)} MiB (${full.size} messages)\n`);
}
