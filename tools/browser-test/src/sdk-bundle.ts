import path from 'node:path';
import { build } from 'esbuild';

const REPO_ROOT = path.resolve(__dirname, '../../..');
/** The page's script: the device SDK and the small harness the test drives it through. */
const ENTRY = path.join(__dirname, 'page/harness.ts');

/** The bundle a page loads, and what it weighs. */
export interface SdkBundle {
  code: string;
  bytes: number;
}

/**
 * Bundles the device SDK for the browser as an app would (esbuild, platform browser, minified,
 * one IIFE script), from the sources of this checkout, at test time: the test runs what is in the
 * tree, not a stale build. Workspace libraries resolve through tsconfig.base.json's paths.
 */
export async function bundleDeviceSdk(): Promise<SdkBundle> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    tsconfig: path.join(REPO_ROOT, 'tsconfig.base.json'),
    absWorkingDir: REPO_ROOT,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no bundle of the device SDK');
  return { code: file.text, bytes: file.contents.byteLength };
}
