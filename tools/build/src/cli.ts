// `npm run build`: bundles every service and pushctl into dist/, builds the published client
// libraries into their own dist/ (ESM, CJS, declarations), and prints what it wrote.
import { relative } from 'node:path';
import { buildBundles, WORKSPACE_ROOT } from './build';
import { buildPackages } from './build-package';

async function main(): Promise<void> {
  for (const b of await buildBundles())
    process.stdout.write(
      `${relative(WORKSPACE_ROOT, b.file).padEnd(26)} ${(b.bytes / 1024 / 1024).toFixed(2)} MiB   ${b.command.join(' ')}\n`,
    );
  for (const p of await buildPackages())
    process.stdout.write(`${relative(WORKSPACE_ROOT, p.outDir).padEnd(26)} ${p.name} (imports ${p.imports.join(', ')})\n`);
}

main().then(
  () => undefined,
  (err: unknown) => {
    console.error('build failed:', err);
    process.exit(1);
  },
);
