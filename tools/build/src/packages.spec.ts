import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from './build';
import { DIRECT_PUSH_BUNDLE_BUDGET_BYTES, measureDirectPushBundle, SERVER_ONLY_PACKAGES } from './direct-push-bundle';
import { declaredPackages, entryName, PACKAGES, readManifest } from './packages';

// What a user of the published client libraries relies on, checked on the manifests and sources
// (the packed-library integration test installs the real tarballs).

const root = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  license: string;
};

describe.each(PACKAGES.map((spec) => [spec.name, spec] as const))('%s package.json', (_name, spec) => {
  const manifest = readManifest(WORKSPACE_ROOT, spec);

  it('is publishable: not private, public access, the root licence, engines, repository, no side effects', () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.license).toBe(root.license);
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.engines).toEqual({ node: '>=20.10' });
    expect(manifest.publishConfig).toMatchObject({ access: 'public' });
    expect(manifest.repository).toMatchObject({ type: 'git', directory: spec.dir });
  });

  it('maps every entry to ESM and CommonJS, each with its own declarations, and ships only dist and the docs', () => {
    for (const path of Object.keys(spec.entries)) {
      const name = entryName(path);
      expect(manifest.exports?.[path]).toEqual({
        import: { types: `./dist/esm/${name}.d.ts`, default: `./dist/esm/${name}.js` },
        require: { types: `./dist/cjs/${name}.d.ts`, default: `./dist/cjs/${name}.js` },
      });
    }
    expect(Object.keys(manifest.exports ?? {}).sort()).toEqual([...Object.keys(spec.entries), './package.json'].sort());
    expect(manifest.files).toEqual(['dist', 'README.md', 'CHANGELOG.md', 'LICENSE']);
  });

  it('declares its third-party packages with the versions the workspace is tested with, and no workspace lib', () => {
    const declared = declaredPackages(manifest);
    expect(declared.length).toBeGreaterThan(0);
    for (const name of declared) {
      const range = manifest.dependencies?.[name] ?? manifest.peerDependencies?.[name];
      expect({ name, range }).toEqual({ name, range: root.dependencies[name] });
    }
    expect(declared.filter((name) => name.startsWith('@pushwire/'))).toEqual([]);
  });

  it('ships the root LICENSE, a README and a CHANGELOG', () => {
    const dir = join(WORKSPACE_ROOT, spec.dir);
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(WORKSPACE_ROOT, 'LICENSE'), 'utf8'));
    expect(existsSync(join(dir, 'README.md'))).toBe(true);
    expect(existsSync(join(dir, 'CHANGELOG.md'))).toBe(true);
  });
});

describe('@pushwire/push-client', () => {
  it('needs kafkajs only for its ./kafka entry: an optional peer dependency', () => {
    const manifest = readManifest(
      WORKSPACE_ROOT,
      PACKAGES.find((p) => p.name === '@pushwire/push-client')!,
    );
    expect(manifest.peerDependenciesMeta).toEqual({ kafkajs: { optional: true } });
    expect(manifest.dependencies?.kafkajs).toBeUndefined();
  });

  it(`bundles \`import { PushClient }\` without a server framework or kafkajs, within ${DIRECT_PUSH_BUNDLE_BUDGET_BYTES / 1024} KiB minified`, async () => {
    const bundle = await measureDirectPushBundle();
    for (const name of SERVER_ONLY_PACKAGES) expect(bundle.packages).not.toContain(name);
    // Only what the main entry declares (undici, TypeBox …): nothing pulled in through a workspace lib.
    const declared = Object.keys(readManifest(WORKSPACE_ROOT, PACKAGES[0]!).dependencies ?? {});
    expect(bundle.packages.filter((name) => !declared.includes(name))).toEqual([]);
    expect(bundle.bytes).toBeLessThan(DIRECT_PUSH_BUNDLE_BUDGET_BYTES);
  });
});
