import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes } from './codes';

describe('the error code table in docs/protocol.md', () => {
  it('lists every code of the catalogue with its HTTP status and retriable flag, and no other', () => {
    const doc = readFileSync(join(__dirname, '../../../../docs/protocol.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Error codes'));
    const rows = [...section.matchAll(/^\| ([a-z_]+) \| (\d{3}) \| (yes|no) \|/gm)].map(([, code, http, retriable]) => [
      code,
      Number(http),
      retriable === 'yes',
    ]);
    const catalogue = Object.entries(ErrorCodes).map(([code, info]) => [code, info.http, info.retriable]);
    expect(rows).toEqual(catalogue);
  });
});
