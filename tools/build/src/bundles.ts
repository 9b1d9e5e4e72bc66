import { EDGE_NODE_FLAGS } from '@pushwire/edge';

/** One production bundle: `dist/<name>.js`, built from one app's main.ts. */
export interface BundleSpec {
  /** File name in dist/ without `.js`; also the name a deployment uses for the service. */
  readonly name: string;
  /** The app's entry point, relative to the workspace root. */
  readonly entry: string;
  /** Node/V8 flags the process must be started with (the image's command, the start scripts). */
  readonly nodeFlags: readonly string[];
  /** The health endpoint's default port on the process (the edge's is its internal port). */
  readonly healthPort: number | undefined;
  /** Run as an executable (pushctl): mode 755 (every bundle starts with `#!/usr/bin/env node`). */
  readonly executable?: boolean;
}

/**
 * Every service and pushctl. The edge's flags come from the edge library (EDGE_NODE_FLAGS: a small
 * young generation keeps an idle edge's RSS low), so a change there reaches the image's command
 * through dist/bundles.json, which the production-install test checks against the Dockerfile and
 * docker-compose.yml.
 */
export const BUNDLES: readonly BundleSpec[] = [
  { name: 'push-edge', entry: 'apps/push-edge/src/main.ts', nodeFlags: EDGE_NODE_FLAGS, healthPort: 8081 },
  { name: 'registry', entry: 'apps/registry/src/main.ts', nodeFlags: [], healthPort: 8082 },
  { name: 'message-processor', entry: 'apps/message-processor/src/main.ts', nodeFlags: [], healthPort: 8083 },
  { name: 'device-list', entry: 'apps/device-list/src/main.ts', nodeFlags: [], healthPort: 8084 },
  // `npm start` in one bundle; it holds the edge's connections, so it takes the edge's flags too.
  { name: 'all-in-one', entry: 'apps/all-in-one/src/main.ts', nodeFlags: EDGE_NODE_FLAGS, healthPort: 8081 },
  { name: 'pushctl', entry: 'apps/pushctl/src/main.ts', nodeFlags: [], healthPort: undefined, executable: true },
];

/**
 * Packages left out of every bundle and loaded from node_modules at run time, so they must be
 * `dependencies` (installed by `npm ci --omit=dev`). uWebSockets.js is a native addon whose binary
 * libs/uws picks by Node ABI at run time; bufferutil and utf-8-validate are optional native
 * accelerators `ws` tries to require (absent is fine). Everything else, the AWS SDK included, is
 * plain JavaScript and is bundled.
 */
export const EXTERNAL_PACKAGES: readonly string[] = ['uWebSockets.js', 'bufferutil', 'utf-8-validate'];

/** The command that starts a bundle from the workspace root, e.g. `node --max-semi-space-size=1 dist/push-edge.js`. */
export function startCommand(spec: BundleSpec): string[] {
  return ['node', ...spec.nodeFlags, `dist/${spec.name}.js`];
}
