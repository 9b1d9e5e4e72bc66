import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Component } from './components';
import { completeJarsDir, ensureJars, MARKER_FILE } from './fetch';
import { MAVEN_MISSING } from './prerequisites';

describe('ensureJars', () => {
  let dir: string;
  let component: Component;
  const noTools = () => undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'infra-fetch-'));
    const pomPath = path.join(dir, 'pom.xml');
    writeFileSync(pomPath, '<project/>');
    component = { name: 'kafka', jarsFolder: 'kafka-test', pomPath };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const markComplete = (pom = '<project/>') => {
    const folder = path.join(dir, 'jars', 'kafka-test');
    mkdirSync(folder, { recursive: true });
    const pomSha256 = createHash('sha256').update(pom).digest('hex');
    writeFileSync(path.join(folder, MARKER_FILE), JSON.stringify({ pomSha256, jars: 1, fetchedAt: '', fetchMs: 1 }));
    return folder;
  };

  it('skips Maven entirely when the folder is marked complete for this POM', async () => {
    const folder = markComplete();
    await expect(ensureJars(component, { jarsDir: path.join(dir, 'jars'), which: noTools })).resolves.toEqual({ dir: folder });
  });

  it('fetches again (and so needs Maven) when the folder has no marker or the POM changed', async () => {
    mkdirSync(path.join(dir, 'jars', 'kafka-test'), { recursive: true }); // half-filled, no marker
    await expect(ensureJars(component, { jarsDir: path.join(dir, 'jars'), which: noTools })).rejects.toThrow(MAVEN_MISSING);
    markComplete('<project>older</project>');
    expect(completeJarsDir(component, path.join(dir, 'jars'))).toBeUndefined();
  });
});
