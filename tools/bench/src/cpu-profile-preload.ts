/**
 * Preloaded into a service (`NODE_OPTIONS=--require <tsx/cjs> --require <this file>`, as the benches'
 * `--profile DIR` does; Node refuses `--cpu-prof` in NODE_OPTIONS): samples the process's CPU with
 * the inspector from the start and writes `<DIR>/<service>-<pid>.cpuprofile` (Chrome DevTools
 * format) when the process exits. DIR and the name come from PUSHWIRE_BENCH_PROFILE_DIR and
 * PUSHWIRE_BENCH_PROFILE_NAME; without a DIR it does nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.PUSHWIRE_BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 100 });
  session.post('Profiler.start');
  // The main thread's inspector session answers synchronously, so this works in an exit handler.
  process.once('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, `${process.env.PUSHWIRE_BENCH_PROFILE_NAME ?? 'service'}-${process.pid}.cpuprofile`),
        JSON.stringify(result.profile),
      );
    });
  });
}
