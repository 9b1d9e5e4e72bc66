// The baseline: uWebSockets.js accepting WebSockets and doing nothing else. Prints its port.
import uWS from 'uWebSockets.js';

uWS.App()
  .ws('/*', { idleTimeout: 60, sendPingsAutomatically: true })
  .listen('127.0.0.1', 0, (socket) => {
    if (!socket) process.exit(1);
    process.stdout.write(`PORT ${uWS.getSocketPort(socket as never)}\n`);
  });
