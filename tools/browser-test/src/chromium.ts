import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** How to get a browser, for the error when there is none (the test fails; it is never skipped). */
export const CHROMIUM_HINT =
  "install Debian's package (apt-get update && apt-get install -y --no-install-recommends chromium; .ci/run does it when missing) " +
  'or set PUSHWIRE_CHROMIUM to the path of a Chromium or Chrome binary';

/** The Chromium binary the browser test runs: PUSHWIRE_CHROMIUM, else /usr/bin/chromium; throws saying how to install one. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.PUSHWIRE_CHROMIUM || DEFAULT_CHROMIUM;
  try {
    accessSync(path, constants.X_OK);
  } catch (err) {
    throw new Error(`no Chromium at ${path} (${(err as Error).message}): ${CHROMIUM_HINT}`, { cause: err });
  }
  return path;
}

/**
 * Launches that Chromium headless through playwright-core, which downloads no browser of its own.
 * `--no-sandbox`: CI runs as root, where Chromium's sandbox refuses to start.
 */
export async function launchChromium(env: NodeJS.ProcessEnv = process.env): Promise<Browser> {
  const executablePath = chromiumPath(env);
  try {
    return await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'], timeout: 30_000 });
  } catch (err) {
    throw new Error(`Chromium at ${executablePath} did not start: ${(err as Error).message}`, { cause: err });
  }
}
