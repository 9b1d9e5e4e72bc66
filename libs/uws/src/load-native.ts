import { createRequire } from 'node:module';
import type * as Uws from 'uWebSockets.js';

/** The uWebSockets.js API as the chosen build's type declarations describe it. */
export type UwsModule = typeof Uws;

/**
 * The npm distribution behind the `uWebSockets.js` alias in package.json. Upstream publishes on
 * GitHub only; this is the one npm build that loads on Node 20 with glibc 2.36 and accepts a
 * request line split across TCP segments (docs/architecture.md, "The uWebSockets.js build").
 */
export const UWS_BUILD = '@trufflesuite/uws-js-unofficial 20.30.0-unofficial.0';

/** Node.js versions Pushwire runs on: the build has binaries for Node 16, 18 and 20, Pushwire needs 20.10+. */
export const SUPPORTED_NODE = { major: 20, minMinor: 10, range: '>=20.10 <21' } as const;

/** The facts about a Node.js process that decide which native binary it can load. */
export interface NodeRuntime {
  /** process.versions.node, e.g. "20.20.2". */
  readonly node: string;
  /** process.versions.modules, the native ABI, e.g. "115" for Node 20. */
  readonly modules: string;
  readonly platform: string;
  readonly arch: string;
}

/** This process's runtime. */
export function currentRuntime(): NodeRuntime {
  return { node: process.versions.node, modules: process.versions.modules, platform: process.platform, arch: process.arch };
}

/**
 * The edge cannot run on this Node.js or platform. Thrown while the process starts; it is a plain
 * Error rather than a PushwireError so this library loads no other Pushwire code (the benchmark's
 * bare-uWS floor imports it).
 */
export class UnsupportedRuntimeError extends Error {
  override readonly name = 'UnsupportedRuntimeError';
}

const WHY =
  `Pushwire's edge needs Node.js ${SUPPORTED_NODE.major}.${SUPPORTED_NODE.minMinor} or a later ${SUPPORTED_NODE.major}.x: ` +
  `its uWebSockets.js build (${UWS_BUILD}) ships native binaries for Node 16, 18 and 20 only, and the npm builds ` +
  'with Node 22/24 binaries need glibc 2.38 or newer (Debian 12 has 2.36). See the README, "Supported Node.js versions".';

/**
 * Loads the build's NATIVE binary for `runtime`, or throws an UnsupportedRuntimeError that says
 * which Node versions are supported and why. The package's own entry point is bypassed on purpose:
 * when no binary fits it prints a warning and returns a pure-JS fallback on node:http that cannot
 * upgrade a WebSocket — an edge that starts and then serves no device.
 */
export function loadNativeUws(runtime: NodeRuntime = currentRuntime()): UwsModule {
  const [major = 0, minor = 0] = runtime.node.split('.').map(Number);
  if (major !== SUPPORTED_NODE.major || minor < SUPPORTED_NODE.minMinor)
    throw new UnsupportedRuntimeError(`this is Node.js ${runtime.node}. ${WHY}`);
  const binary = `uWebSockets.js/binaries/uws_${runtime.platform}_${runtime.arch}_${runtime.modules}.node`;
  let native: Partial<UwsModule>;
  try {
    // The file depends on the runtime, so it is required by a computed path rather than imported.
    native = createRequire(__filename)(binary) as Partial<UwsModule>;
  } catch (err) {
    throw new UnsupportedRuntimeError(
      `cannot load ${binary} on Node.js ${runtime.node} (${runtime.platform}-${runtime.arch}): ${(err as Error).message}. ${WHY}`,
      { cause: err },
    );
  }
  if (typeof native.App !== 'function' || typeof native.us_socket_local_port !== 'function')
    throw new UnsupportedRuntimeError(`${binary} is not a native uWebSockets.js build (no App / us_socket_local_port). ${WHY}`);
  return native as UwsModule;
}
