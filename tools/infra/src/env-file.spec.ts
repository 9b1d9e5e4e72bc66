import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatEnvFile, parseEnvFile, readInfraEnv } from './env-file';

describe('env file', () => {
  it('writes KEY=value lines with a comment header and skips unset values', () => {
    const text = formatEnvFile(
      { KAFKA_BROKERS: '127.0.0.1:40751', DYNAMODB_ENDPOINT: 'http://127.0.0.1:41377', AWS_REGION: undefined },
      'written by up',
    );
    expect(text).toBe('# written by up\nKAFKA_BROKERS=127.0.0.1:40751\nDYNAMODB_ENDPOINT=http://127.0.0.1:41377\n');
  });

  it('reads back what it writes, and tolerates export, quotes, comments and CRLF', () => {
    const vars = { KAFKA_BROKERS: '127.0.0.1:1,127.0.0.1:2', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' };
    expect(parseEnvFile(formatEnvFile(vars, 'header'))).toEqual(vars);
    expect(parseEnvFile('# c\r\nexport A="x=1"\r\n\r\nB=\'y\'\r\nnot a line\r\n')).toEqual({ A: 'x=1', B: 'y' });
  });

  it('refuses names and values that would not survive a shell `.`', () => {
    expect(() => formatEnvFile({ 'bad-name': 'x' })).toThrow(/invalid variable name/);
    expect(() => formatEnvFile({ A: 'two\nlines' })).toThrow(/newline/);
  });

  it('readInfraEnv reads <root>/.pushwire/infra.env, and says undefined when nothing is up', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'infra-env-'));
    try {
      expect(readInfraEnv(root)).toBeUndefined();
      mkdirSync(path.join(root, '.pushwire'));
      writeFileSync(path.join(root, '.pushwire', 'infra.env'), formatEnvFile({ KAFKA_BROKERS: '127.0.0.1:9' }));
      expect(readInfraEnv(root)).toEqual({ KAFKA_BROKERS: '127.0.0.1:9' });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
