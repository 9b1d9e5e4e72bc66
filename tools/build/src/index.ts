/** @pushwire/build — the production bundles of `npm run build` (dist/). */
export { BUNDLES, EXTERNAL_PACKAGES, startCommand, type BundleSpec } from './bundles';
export { buildBundles, WORKSPACE_ROOT, type BuildOptions, type BuiltBundle } from './build';
