import { join } from 'node:path';
import { build } from 'esbuild';
import { WORKSPACE_ROOT } from './build';

/**
 * The most a program that imports only `PushClient` (direct push) may add to its bundle, minified:
 * the client, the protocol's validators (TypeBox) and undici. Measured 546 KiB when it was set
 * (818 KiB before the Kafka adapter moved to `@pushwire/push-client/kafka`); the headroom is for
 * small additions (e.g. `@opentelemetry/api`), not for a server framework.
 */
export const DIRECT_PUSH_BUNDLE_BUDGET_BYTES = 640 * 1024;

/** Packages a direct-push bundle must never contain: server frameworks and the Kafka client. */
export const SERVER_ONLY_PACKAGES: readonly string[] = ['fastify', '@fastify/swagger', '@fastify/type-provider-typebox', 'kafkajs'];

/** What measureDirectPushBundle found. */
export interface DirectPushBundle {
  /** Minified size in bytes. */
  readonly bytes: number;
  /** Every package of node_modules in the bundle (`undici`, `@sinclair/typebox` …). */
  readonly packages: readonly string[];
}

/**
 * Bundles `import { PushClient } from '@pushwire/push-client'` as a user's bundler would (esbuild,
 * minified, for Node, every dependency included), from `cwd`: the workspace (the sources, by their
 * tsconfig paths) or a project with the packed library installed (its dist/, from node_modules).
 */
export async function measureDirectPushBundle(cwd: string = WORKSPACE_ROOT): Promise<DirectPushBundle> {
  const fromWorkspace = cwd === WORKSPACE_ROOT;
  const result = await build({
    absWorkingDir: cwd,
    stdin: {
      contents: "import { PushClient } from '@pushwire/push-client';\nexport const client = PushClient;\n",
      resolveDir: cwd,
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    ...(fromWorkspace ? { tsconfig: join(WORKSPACE_ROOT, 'tsconfig.base.json') } : {}),
  });
  const packages = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input.slice(input.lastIndexOf('node_modules/')));
    if (match?.[1] && !match[1].startsWith('@pushwire/')) packages.add(match[1]);
  }
  return { bytes: result.outputFiles[0]!.contents.byteLength, packages: [...packages].sort() };
}
