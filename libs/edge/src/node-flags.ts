/**
 * Node/V8 flags the edge process is meant to run with (`npm run start:edge`, the cluster launcher,
 * the memory bench). V8 lets its young generation grow to 3 × 16 MiB under an allocation burst
 * (a wave of connects: JWT checks, registration batches) and keeps it committed afterwards, which on
 * an idle edge is pure RSS. A 1 MiB semi-space keeps that to 3 MiB for some extra cheap scavenges;
 * an edge holds many idle sockets and few messages per socket, so memory is the scarcer resource.
 * Measured by tools/bench/src/idle-memory.ts, which runs the edge with and without these flags.
 */
export const EDGE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
