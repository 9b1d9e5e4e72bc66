/** @pushwire/build — the production bundles of `npm run build` (dist/). */
export { BUNDLES, EXTERNAL_PACKAGES, startCommand, type BundleSpec } from './bundles';
export { buildBundles, WORKSPACE_ROOT, type BuildOptions, type BuiltBundle } from './build';
export { PACKAGES, declaredPackages, entryName, packageOf, readManifest, type PackageManifest, type PackageSpec } from './packages';
export { buildPackage, buildPackages, COMMONJS_ONLY_PACKAGES, type BuiltPackage } from './build-package';
