import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

/** Starts the standalone edge as `npm run start:edge` does, looking like Node `version` (ABI `modules`). */
function startEdgeAs(version: string, modules: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', '--require', join(__dirname, 'fixtures/pretend-node.cjs'), join(root, 'apps/push-edge/src/main.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        PRETEND_NODE_VERSION: version,
        PRETEND_NODE_MODULES: modules,
        PUSHWIRE_SERVICE_TOKEN: 'test-service-token-0123456789',
        PUSHWIRE_JWT_SECRET: 'test-jwt-secret-0123456789',
        PUSHWIRE_EDGE_HOST: '127.0.0.1',
        PUSHWIRE_EDGE_PORT: '0',
        PUSHWIRE_EDGE_INTERNAL_PORT: '0',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe('edge: an unsupported Node.js', () => {
  it.each([
    ['22.12.0', '127'],
    ['24.1.0', '137'],
  ])('Node %s: the standalone edge stops at start, saying which versions it runs on and why', async (version, modules) => {
    const { code, stderr } = await startEdgeAs(version, modules);
    expect(code).toBe(1);
    expect(stderr).toContain(`UnsupportedRuntimeError: this is Node.js ${version}.`);
    expect(stderr).toContain("Pushwire's edge needs Node.js 20.10 or a later 20.x");
    expect(stderr).toContain('glibc 2.38');
  });
});
