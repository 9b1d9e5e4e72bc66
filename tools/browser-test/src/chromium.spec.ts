import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumPath, DEFAULT_CHROMIUM } from './chromium';

describe('chromiumPath', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pushwire-chromium-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without a browser, fails saying how to install one', () => {
    const missing = join(dir, 'no-such-chromium');
    expect(() => chromiumPath({ PUSHWIRE_CHROMIUM: missing })).toThrow(
      new RegExp(`no Chromium at ${missing}.*apt-get install -y --no-install-recommends chromium.*PUSHWIRE_CHROMIUM`),
    );
  });

  it('refuses a file it cannot run', () => {
    const notExecutable = join(dir, 'chromium.txt');
    writeFileSync(notExecutable, '');
    chmodSync(notExecutable, 0o644);
    expect(() => chromiumPath({ PUSHWIRE_CHROMIUM: notExecutable })).toThrow(/no Chromium at .*chromium\.txt/);
  });

  it("takes PUSHWIRE_CHROMIUM, else Debian's /usr/bin/chromium", () => {
    const browser = join(dir, 'chromium');
    writeFileSync(browser, '#!/bin/sh\n');
    chmodSync(browser, 0o755);
    expect(chromiumPath({ PUSHWIRE_CHROMIUM: browser })).toBe(browser);
    expect(DEFAULT_CHROMIUM).toBe('/usr/bin/chromium');
  });
});
