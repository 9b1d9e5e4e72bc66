/**
 * @pushwire/browser-test — runs the device SDK in a real Chromium (Debian's `chromium` through
 * playwright-core) on a page whose Content-Security-Policy forbids eval, against a real edge,
 * registry and device list (test/browser.int.spec.ts).
 */
export { chromiumPath, launchChromium, CHROMIUM_HINT, DEFAULT_CHROMIUM } from './chromium';
export { bundleDeviceSdk, type SdkBundle } from './sdk-bundle';
export { startTestPage, strictCsp, type TestPage, type TokenIssuer } from './test-page';
export { startPlatform, type Platform } from './platform';
export type { ConnectOutcome, DeviceRecord, PageConnect, PageHarness, TokenKind } from './page/harness';
