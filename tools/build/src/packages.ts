import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One published client library: built from its sources into `<dir>/dist` (see buildPackage). */
export interface PackageSpec {
  /** npm name, e.g. `@pushwire/push-client`. */
  readonly name: string;
  /** The library's folder, relative to the workspace root. */
  readonly dir: string;
  /** Export path (`.`, `./kafka`) → source file relative to `dir`; each becomes `dist/{esm,cjs}/<file name>.js` and `.d.ts`. */
  readonly entries: Readonly<Record<string, string>>;
  /**
   * esbuild platform: `node` for the backend library; `neutral` for the device SDK, which runs in
   * browsers too (no Node built-in may be bundled or assumed).
   */
  readonly platform: 'node' | 'neutral';
}

/**
 * The two libraries published to npm. Every other `@pushwire/*` lib they import (protocol, backoff,
 * service-http, registry-client, edge-client, event-bus …) is not published: it is bundled into
 * their output, code and declarations alike, and only third-party packages stay imports (their
 * package.json `dependencies` / `peerDependencies`).
 */
export const PACKAGES: readonly PackageSpec[] = [
  {
    name: '@pushwire/push-client',
    dir: 'libs/push-client',
    entries: { '.': 'src/index.ts', './kafka': 'src/kafka.ts' },
    platform: 'node',
  },
  {
    name: '@pushwire/device-client',
    dir: 'libs/device-client',
    entries: { '.': 'src/index.ts' },
    platform: 'neutral',
  },
];

/** The parts of a library's package.json the build reads. */
export interface PackageManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The library's package.json. */
export function readManifest(root: string, spec: PackageSpec): PackageManifest {
  return JSON.parse(readFileSync(join(root, spec.dir, 'package.json'), 'utf8')) as PackageManifest;
}

/** Third-party packages the library may import at run time: its dependencies and peer dependencies. */
export function declaredPackages(manifest: PackageManifest): string[] {
  return [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})];
}

/** `dist/<format>/<name>.js` of an entry (`./kafka` → `kafka`, `.` → `index`). */
export function entryName(exportPath: string): string {
  return exportPath === '.' ? 'index' : exportPath.slice(2);
}

/** The package a bare import names (`undici/lib/x` → `undici`, `@a/b/c` → `@a/b`), or undefined for a relative path or a Node built-in. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
