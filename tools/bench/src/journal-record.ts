/**
 * What one MessageJournal.record costs on the hot path (docs/benchmarks/journal.md):
 * `node --expose-gc --require tsx/cjs tools/bench/src/journal-record.ts` (or `npx tsx …` without
 * the memory lines). Shapes: a new message per record with the edge's detail (a fresh object per
 * `written`, as libs/edge/src/delivery.ts passes it), a few events per message (a queued message's
 * life), a small bound that forgets a segment every few thousand records, and the journal off.
 * 1,000,000 records per shape: at the default 64 MiB they fill and wrap the segments. No
 * OpenTelemetry SDK, as in a service with tracing off.
 */
import { MessageJournal } from '@pushwire/service-kit';

const target = { accountId: 'acct-42', deviceId: 'tv-living-room' };
const edgeId = 'edge-1';

function measure(name: string, journal: MessageJournal, records: number, idOf: (i: number) => string): void {
  const r = journal.recorder('push-edge');
  const run = (n: number) => {
    for (let i = 0; i < n; i++)
      r.record('written', idOf(i), target, { edgeId, inboxed: false, ackRequired: (i & 1) === 0, from: undefined });
  };
  run(50_000); // warm up the JIT on the same path first
  // CPU time, not wall time: on a shared machine the wall clock also counts other processes' turns.
  const started = process.cpuUsage();
  run(records);
  const cpu = process.cpuUsage(started);
  const ns = ((cpu.user + cpu.system) * 1000) / records;
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  process.stdout.write(
    `${name.padEnd(48)} ${ns.toFixed(0).padStart(5)} ns/record   heap ${heapMiB.toFixed(0)} MiB, journal ${(journal.bytesUsed / 2 ** 20).toFixed(1)} MiB\n`,
  );
}

const ids = Array.from({ length: 2_000_000 }, (_, i) => `m-${i}-0d1c2b3a`);
measure('new message each record (64 MiB, wraps)', new MessageJournal(), 1_000_000, (i) => ids[i]!);
measure('4 events per message (64 MiB)', new MessageJournal(), 1_000_000, (i) => ids[i >> 2]!);
measure('small bound, rotating often (1 MiB)', new MessageJournal({ maxBytes: 2 ** 20 }), 1_000_000, (i) => ids[i]!);
measure('journal off (PUSHWIRE_JOURNAL_MAX_BYTES=0)', new MessageJournal({ maxBytes: 0 }), 1_000_000, (i) => ids[i]!);

// For scale, on the same machine and run: what the edge does anyway for every push it writes.
{
  const frame = { type: 'push', id: 'm-1-0d1c2b3a', payload: { hello: 'world', n: 1 }, priority: 'normal', sentAt: Date.now() };
  let bytes = 0;
  const started = process.cpuUsage();
  for (let i = 0; i < 1_000_000; i++) bytes += JSON.stringify({ ...frame, id: ids[i]! }).length;
  const cpu = process.cpuUsage(started);
  process.stdout.write(
    `${'reference: JSON.stringify of a small push frame'.padEnd(48)} ${(((cpu.user + cpu.system) * 1000) / 1_000_000).toFixed(0).padStart(5)} ns/frame (${bytes} bytes)\n`,
  );
}

// A full default journal: what it holds, on and off the JS heap, and what asking for one message costs.
{
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const full = new MessageJournal();
  const r = full.recorder('push-edge');
  const held = 300_000; // 2 events per message (written, acknowledged), as an edge records them
  for (let i = 0; i < held; i++) {
    r.record('written', `msg-${i}-5f0e7c2a9b1d4e3f`, target, { edgeId, inboxed: false, ackRequired: true, from: undefined });
    r.record('acknowledged', `msg-${i}-5f0e7c2a9b1d4e3f`, target);
  }
  gc?.();
  const after = process.memoryUsage();
  let oldest = held;
  while (oldest > 0 && full.eventsOf(`msg-${oldest - 1}-5f0e7c2a9b1d4e3f`).length === 2) oldest -= 1000;
  const started = process.cpuUsage();
  for (let i = 0; i < 20; i++) full.eventsOf(`msg-${held - 1 - i * 7}-5f0e7c2a9b1d4e3f`);
  const cpu = process.cpuUsage(started);
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  process.stdout.write(
    `${'held: 300,000 messages × 2 events (64 MiB)'.padEnd(48)} ${(held - oldest).toLocaleString('en')} newest messages answered whole; ` +
      `${(full.bytesUsed / (2 * held)).toFixed(0)} bytes/event written; JS heap +${mib(after.heapUsed - before.heapUsed)}, ` +
      `buffers +${mib(after.arrayBuffers - before.arrayBuffers)}${gc ? '' : ' (no --expose-gc)'}; ` +
      `eventsOf ${((cpu.user + cpu.system) / 20 / 1000).toFixed(1)} ms\n`,
  );
}
