import { builtinModules, createRequire } from 'node:module';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';
import ts from 'typescript';
import { WORKSPACE_ROOT } from './build';
import { declaredPackages, entryName, PACKAGES, packageOf, readManifest, type PackageSpec } from './packages';

/** Builds every published library (PACKAGES), one after the other. */
export async function buildPackages(root: string = WORKSPACE_ROOT): Promise<BuiltPackage[]> {
  const built: BuiltPackage[] = [];
  for (const spec of PACKAGES) built.push(await buildPackage(root, spec));
  return built;
}

/** What buildPackage wrote for one library. */
export interface BuiltPackage {
  readonly name: string;
  /** `<dir>/dist`. */
  readonly outDir: string;
  /** Third-party packages the built code imports (each declared in its package.json). */
  readonly imports: readonly string[];
}

const NODE_BUILTINS = new Set(builtinModules);

/**
 * Builds one client library into `<dir>/dist` (emptied first):
 * - `dist/esm/`: ES modules, one per entry, with the code the entries share in chunks (esbuild
 *   `splitting`), so `./kafka`'s KafkaEventBus throws the very EventBusError class the main entry's
 *   PushClient checks for;
 * - `dist/cjs/`: the same files turned into CommonJS (same chunks, same sharing);
 * - `.d.ts` beside each, bundled by rollup-plugin-dts: the internal `@pushwire/*` libs' types are
 *   inlined, so no declaration names an unpublished package;
 * - a `package.json` in each folder giving its module type, so Node and TypeScript read each file
 *   (and its declarations) as what it is.
 * Internal libs are bundled; third-party packages stay imports and must be declared in the library's
 * `dependencies` or `peerDependencies`, else the build fails (a published package would not install
 * them).
 */
export async function buildPackage(root: string, spec: PackageSpec): Promise<BuiltPackage> {
  const dir = join(root, spec.dir);
  const outDir = join(dir, 'dist');
  const manifest = readManifest(root, spec);
  const declared = declaredPackages(manifest);
  rmSync(outDir, { recursive: true, force: true });
  const entryPoints = Object.entries(spec.entries).map(([path, file]) => ({ in: join(dir, file), out: entryName(path) }));

  const esm = await build({
    absWorkingDir: root,
    entryPoints,
    outdir: join(outDir, 'esm'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: spec.platform,
    // The oldest Node the libraries support (engines), and browsers of the same vintage.
    target: ['node20.10', 'es2022'],
    tsconfig: join(root, 'tsconfig.base.json'),
    plugins: [commonJsInterop(root), thirdPartyExternal],
    keepNames: true,
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  const imports = checkImports(spec, esm.metafile, declared);

  // CommonJS: each ES module of dist/esm (entries and chunks) turned into a CommonJS one of the same
  // name, so the chunks are shared the same way.
  const esmFiles = readdirSync(join(outDir, 'esm')).filter((f) => f.endsWith('.js'));
  await build({
    absWorkingDir: root,
    entryPoints: esmFiles.map((f) => join(outDir, 'esm', f)),
    outdir: join(outDir, 'cjs'),
    bundle: false,
    format: 'cjs',
    platform: spec.platform === 'node' ? 'node' : 'neutral',
    target: ['node20.10', 'es2022'],
    keepNames: true,
    sourcemap: true,
    logLevel: 'warning',
  });

  await bundleDeclarations(root, spec, outDir, declared);
  writeFileSync(join(outDir, 'esm', 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(outDir, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
  return { name: spec.name, outDir, imports };
}

/**
 * Leaves every third-party import (and Node built-in) an import, resolved by the user's install;
 * only the workspace's own `@pushwire/*` libs (found by their tsconfig paths) are bundled.
 * checkImports then makes sure each such package is declared.
 */
const thirdPartyExternal: Plugin = {
  name: 'third-party-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, ({ path }) => (path.startsWith('@pushwire/') ? undefined : { path, external: true }));
  },
};

/**
 * CommonJS-only dependencies whose exports Node cannot name to an ES module (kafkajs builds
 * `module.exports` with a spread, which Node's static scan misses: `import { Kafka } from 'kafkajs'`
 * fails to link). The ESM build imports their default export and takes the names from it.
 * The scratch-project test imports every entry as ESM, so another such package shows there.
 */
export const COMMONJS_ONLY_PACKAGES: readonly string[] = ['kafkajs'];

/** Serves each COMMONJS_ONLY_PACKAGES import from a module `import m from 'pkg'; export const { … } = m`. */
function commonJsInterop(root: string): Plugin {
  const filter = new RegExp(`^(${COMMONJS_ONLY_PACKAGES.join('|')})$`);
  return {
    name: 'commonjs-interop',
    setup(b) {
      b.onResolve({ filter }, ({ path, namespace }) =>
        namespace === 'commonjs-interop' ? { path, external: true } : { path, namespace: 'commonjs-interop' },
      );
      b.onLoad({ filter: /.*/, namespace: 'commonjs-interop' }, ({ path }) => {
        // The names the package really exports, read from it at build time.
        const names = Object.keys(createRequire(join(root, 'package.json'))(path) as object).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
        return { contents: `import m from '${path}';\nexport const { ${names.join(', ')} } = m;\nexport default m;\n`, resolveDir: root };
      });
    },
  };
}

/** The declarations of every entry, with the internal libs' types inlined (rollup-plugin-dts), in dist/esm and dist/cjs. */
async function bundleDeclarations(root: string, spec: PackageSpec, outDir: string, declared: string[]): Promise<void> {
  const { config } = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const input = Object.fromEntries(Object.entries(spec.entries).map(([path, file]) => [entryName(path), join(root, spec.dir, file)]));
  const bundle = await rollup({
    input,
    // Third-party types stay imports (each is a dependency, or for `ws`, `@types/ws`); Node's own too.
    external: (id) => {
      const name = packageOf(id);
      return id.startsWith('node:') || NODE_BUILTINS.has(id) || (name !== undefined && declared.includes(name));
    },
    plugins: [
      dts({
        respectExternal: true,
        // The workspace's path aliases find the internal libs' sources; no emit, no jest/node globals forced in.
        compilerOptions: { ...options, types: ['node'], declaration: true, noEmit: false, emitDeclarationOnly: true },
      }),
    ],
    onwarn: (warning, warn) => {
      if (warning.code !== 'CIRCULAR_DEPENDENCY') warn(warning);
    },
  });
  for (const format of ['esm', 'cjs'])
    await bundle.write({ dir: join(outDir, format), format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: '[name]-[hash].d.ts' });
  await bundle.close();
}

/** The third-party packages the bundle imports; throws when one is not declared (it would be missing on install). */
function checkImports(spec: PackageSpec, metafile: Metafile, declared: string[]): string[] {
  const used = new Set<string>();
  for (const input of Object.values(metafile.inputs))
    for (const { path, external } of input.imports) {
      const name = packageOf(path);
      if (!external || path.startsWith('<') || name === undefined || NODE_BUILTINS.has(name)) continue;
      used.add(name);
    }
  const undeclared = [...used].filter((name) => !declared.includes(name));
  if (undeclared.length)
    throw new Error(`${spec.name} imports ${undeclared.join(', ')}: add to ${spec.dir}/package.json dependencies (or bundle it)`);
  return [...used].sort();
}
