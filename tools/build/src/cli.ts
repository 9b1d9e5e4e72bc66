// `npm run build`: bundles every service and pushctl into dist/ and prints what it wrote.
import { relative } from 'node:path';
import { buildBundles, WORKSPACE_ROOT } from './build';

buildBundles().then(
  (built) => {
    for (const b of built)
      process.stdout.write(
        `${relative(WORKSPACE_ROOT, b.file).padEnd(26)} ${(b.bytes / 1024 / 1024).toFixed(2)} MiB   ${b.command.join(' ')}\n`,
      );
  },
  (err: unknown) => {
    console.error('build failed:', err);
    process.exit(1);
  },
);
