import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DedupeStorage } from '@pushwire/device-client';
import { PushwireError } from '@pushwire/protocol';

/** The dedupe file exists but cannot be used (not JSON, not an object, unreadable). */
export class DedupeFileError extends PushwireError {
  override readonly name = 'DedupeFileError';
}

/**
 * A `localStorage`-like storage in one JSON file (`{key: value}`), for the device SDK's
 * `dedupeStorage` in Node: the SDK itself runs in browsers too and may not touch the file system.
 * Synchronous, so an id is on disk when `setItem` returns; written to a temporary file and renamed
 * over the old one, so a crash mid-write leaves the previous content, never half a file.
 */
export class FileDedupeStorage implements DedupeStorage {
  private items?: Record<string, string>;

  constructor(readonly path: string) {}

  /**
   * A storage on `path`, read now: a file that exists but cannot be used throws DedupeFileError here,
   * at start, rather than making the SDK start empty and repeat messages. A missing file is empty.
   */
  static open(path: string): FileDedupeStorage {
    const storage = new FileDedupeStorage(path);
    storage.load();
    return storage;
  }

  getItem(key: string): string | null {
    return this.load()[key] ?? null;
  }

  setItem(key: string, value: string): void {
    const items = { ...this.load(), [key]: value };
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(items));
    renameSync(tmp, this.path);
    this.items = items;
  }

  private load(): Record<string, string> {
    if (this.items) return this.items;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return (this.items = {});
      throw new DedupeFileError('internal', `cannot read the dedupe file ${this.path}: ${(e as Error).message}`, { cause: e });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new DedupeFileError('internal', `the dedupe file ${this.path} is not JSON`, { cause: e });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new DedupeFileError('internal', `the dedupe file ${this.path} does not hold a JSON object`);
    }
    return (this.items = parsed as Record<string, string>);
  }
}
