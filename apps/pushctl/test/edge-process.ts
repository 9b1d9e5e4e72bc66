// A real edge in a process of its own, so a test can SIGSTOP or SIGKILL it like an operator's fault:
// `node --require tsx/cjs edge-process.ts` prints `{"deviceUrl","internalUrl"}` once it listens.
import { startTestEdge } from '@pushwire/edge/testing';

startTestEdge({ heartbeatSeconds: 1 }).then(
  (edge) => process.stdout.write(`${JSON.stringify({ deviceUrl: edge.deviceUrl, internalUrl: edge.internalUrl })}\n`),
  (err: unknown) => {
    process.stderr.write(`edge-process: cannot start: ${String(err)}\n`);
    process.exit(1);
  },
);
