import { Gauge, type Registry } from 'prom-client';
// The workspace's own version: the bundler inlines it, so it needs no package.json at run time.
// eslint-disable-next-line @nx/enforce-module-boundaries
import rootPackage from '../../../package.json';

/** What `pushwire_build_info` says about the running build. */
export interface BuildInfo {
  /** The release: PUSHWIRE_VERSION, else the workspace package.json's version. */
  readonly version: string;
  /** The git commit the build came from (PUSHWIRE_COMMIT, set by the image build); '' when unknown. */
  readonly commit: string;
  /** The Node.js version running it, e.g. v22.11.0. */
  readonly node: string;
}

/**
 * The build this process runs. The version is read from package.json at build time (a bundle
 * carries it inline, so a `dist/` install without package.json still knows it); the environment may
 * override it, and an image build passes the commit the same way.
 */
export function buildInfo(env: NodeJS.ProcessEnv = process.env): BuildInfo {
  return {
    version: env.PUSHWIRE_VERSION || rootPackage.version,
    commit: env.PUSHWIRE_COMMIT ?? '',
    node: process.version,
  };
}

/**
 * Registers `pushwire_build_info{version, commit, node} 1`: the usual Prometheus way to see which
 * build each instance runs (join on it, or count versions during a rollout). An unknown commit is
 * an empty label, which Prometheus treats as no label.
 */
export function registerBuildInfo(registry: Registry, info: BuildInfo = buildInfo()): void {
  new Gauge({
    name: 'pushwire_build_info',
    help: 'Always 1; the labels name the running build (version, commit, Node.js version).',
    labelNames: ['version', 'commit', 'node'],
    registers: [registry],
  }).set({ version: info.version, commit: info.commit, node: info.node }, 1);
}
