// The baseline: uWebSockets.js accepting WebSockets and doing nothing else, on BENCH_PORT, with a
// /readyz route so the bench can tell it listens.
import uWS from 'uWebSockets.js';

uWS.App()
  .get('/readyz', (res) => {
    res.end('ok');
  })
  .ws('/*', { idleTimeout: 60, sendPingsAutomatically: true })
  .listen('127.0.0.1', Number(process.env.BENCH_PORT), (socket) => {
    if (!socket) process.exit(1);
  });
