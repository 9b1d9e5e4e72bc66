import { build } from 'esbuild';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * The size budget of the SDK in a browser: `import { DeviceClient } from '@pushwire/device-client'`
 * bundled by esbuild for the browser, minified, gzipped at level 9 — at most 15,000 bytes (it was
 * 40,695 with TypeBox and eventsource-parser; socket.io-client is ~13.6 KB, centrifuge-js ~23.9 KB:
 * docs/benchmarks/sdk-size.md). The same bundle must run on a page whose Content-Security-Policy
 * forbids eval, so it may hold neither `eval(` nor `new Function(` nor `Function(` calls.
 */
const BUDGET_GZIP_BYTES = 15_000;
const ROOT = join(__dirname, '../../..');

async function browserBundle() {
  const result = await build({
    stdin: { contents: "export { DeviceClient } from '@pushwire/device-client';", resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    tsconfig: join(ROOT, 'tsconfig.base.json'),
    logLevel: 'silent',
  });
  const code = Buffer.from(result.outputFiles[0]!.contents);
  return { code, gzipBytes: gzipSync(code, { level: 9 }).length, inputs: Object.keys(result.metafile.inputs) };
}

describe('the browser bundle of DeviceClient', () => {
  let bundle: Awaited<ReturnType<typeof browserBundle>>;
  beforeAll(async () => {
    bundle = await browserBundle();
  }, 60_000);

  it(`is at most ${BUDGET_GZIP_BYTES} bytes gzipped`, () => {
    expect({ gzipBytes: bundle.gzipBytes, withinBudget: bundle.gzipBytes <= BUDGET_GZIP_BYTES }).toEqual({
      gzipBytes: bundle.gzipBytes,
      withinBudget: true,
    });
  });

  it('evaluates no strings as code (runs under a CSP without unsafe-eval)', () => {
    const text = bundle.code.toString('utf8');
    expect(text.match(/\beval\s*\(|\bFunction\s*\(/g)).toBeNull();
  });

  it('holds no schema library and no Node-only package', () => {
    const offending = bundle.inputs.filter((file) => /@sinclair\/typebox|eventsource-parser|node_modules\/ws\/(?!browser\.js)/.test(file));
    expect(offending).toEqual([]);
  });
});
