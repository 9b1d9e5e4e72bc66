import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { BUNDLES, EXTERNAL_PACKAGES, startCommand } from './bundles';

/** The workspace root (this file is tools/build/src/build.ts). */
export const WORKSPACE_ROOT = resolve(__dirname, '../../..');

/** What `buildBundles` wrote for one bundle. */
export interface BuiltBundle {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly command: string[];
  readonly healthPort: number | undefined;
}

/** Options of `buildBundles`. */
export interface BuildOptions {
  /** Workspace root (default: this checkout). */
  readonly root?: string;
  /** Output directory (default `<root>/dist`); emptied first. */
  readonly outDir?: string;
}

/**
 * `npm run build`: one CommonJS bundle per service and pushctl in dist/ (with source maps), runnable
 * with plain `node` on a production install (`npm ci --omit=dev`): only EXTERNAL_PACKAGES are
 * loaded from node_modules. Writes dist/bundles.json: each bundle's start command (with its node
 * flags) and health port, read by the production-install test and the image checks.
 */
export async function buildBundles(options: BuildOptions = {}): Promise<BuiltBundle[]> {
  const root = options.root ?? WORKSPACE_ROOT;
  const outDir = options.outDir ?? join(root, 'dist');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  // One esbuild run for every entry point: each shared module is parsed once.
  const result = await build({
    absWorkingDir: root,
    entryPoints: BUNDLES.map((spec) => ({ in: join(root, spec.entry), out: spec.name })),
    outdir: outDir,
    bundle: true,
    platform: 'node',
    // The oldest Node the services support (package.json engines).
    target: 'node20.10',
    format: 'cjs',
    // The workspace libraries resolve by their tsconfig aliases, as in tsx and jest.
    tsconfig: join(root, 'tsconfig.base.json'),
    external: [...EXTERNAL_PACKAGES],
    // Bundling renames clashing top-level names; error classes and logs keep their real names.
    keepNames: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
    // pushctl is run as an executable; a `#!` first line is harmless in the others.
    banner: { js: '#!/usr/bin/env node' },
  });
  const built = BUNDLES.map((spec): BuiltBundle => {
    const file = join(outDir, `${spec.name}.js`);
    if (spec.executable) chmodSync(file, 0o755);
    const bytes = result.metafile.outputs[relative(root, file)]?.bytes ?? 0;
    return { name: spec.name, file, bytes, command: startCommand(spec), healthPort: spec.healthPort };
  });
  const manifest = built.map(({ name, command, healthPort }) => ({ name, command, healthPort }));
  writeFileSync(join(outDir, 'bundles.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return built;
}
