import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DedupeFileError, FileDedupeStorage } from './file-dedupe-storage';

describe('FileDedupeStorage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dedupe-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps items across instances, one JSON file per storage, leaving no temporary file behind', () => {
    const path = join(dir, 'nested', 'seen.json');
    const first = FileDedupeStorage.open(path);
    expect(first.getItem('a1/tv1')).toBeNull();
    first.setItem('a1/tv1', '{"v":1}');
    first.setItem('a1/tv2', 'x');
    const second = FileDedupeStorage.open(path);
    expect([second.getItem('a1/tv1'), second.getItem('a1/tv2')]).toEqual(['{"v":1}', 'x']);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ 'a1/tv1': '{"v":1}', 'a1/tv2': 'x' });
    expect(readdirSync(join(dir, 'nested'))).toEqual(['seen.json']);
  });

  it('refuses, when opened, a file that is not a JSON object, naming it', () => {
    const path = join(dir, 'seen.json');
    writeFileSync(path, 'not json');
    expect(() => FileDedupeStorage.open(path)).toThrow(DedupeFileError);
    expect(() => FileDedupeStorage.open(path)).toThrow(`the dedupe file ${path} is not JSON`);
    writeFileSync(path, '[1]');
    expect(() => FileDedupeStorage.open(path)).toThrow(/does not hold a JSON object/);
    expect(() => FileDedupeStorage.open(dir)).toThrow(/cannot read the dedupe file/);
  });
});
