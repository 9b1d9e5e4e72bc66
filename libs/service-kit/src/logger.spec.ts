import { Writable } from 'node:stream';
import { StoreUnavailableError } from './store-unavailable';
import { createLogger } from './logger';

/** A stream that keeps what pino writes to it (synchronously), and the lines parsed. */
function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('logs an error under err with its stack, code, retriable flag and the chain of causes', () => {
    const { stream, lines } = capture();
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    const err = new StoreUnavailableError('dynamodb Query on table registry failed: Error ECONNREFUSED', { cause: socket });

    createLogger('test', 'info', stream).warn({ err, count: 3 }, 'registry register failed; will retry');

    const [line] = lines();
    expect(line).toMatchObject({ level: 40, name: 'test', count: 3, msg: 'registry register failed; will retry' });
    const logged = line!.err as Record<string, unknown>;
    expect(logged).toMatchObject({
      type: 'StoreUnavailableError',
      message: 'dynamodb Query on table registry failed: Error ECONNREFUSED',
      code: 'store_unavailable',
      retriable: true,
    });
    expect(logged.stack).toEqual(expect.stringContaining('logger.spec.ts'));
    expect(logged.cause).toMatchObject({ type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:8000', code: 'ECONNREFUSED' });
    expect((logged.cause as Record<string, unknown>).stack).toEqual(expect.stringContaining('Error: connect ECONNREFUSED'));
  });

  it('still redacts tokens', () => {
    const { stream, lines } = capture();
    createLogger('test', 'info', stream).info({ token: 'secret-device-token', headers: { authorization: 'Bearer x' } }, 'connect');
    expect(lines()[0]).toMatchObject({ token: '[redacted]', headers: { authorization: '[redacted]' } });
  });
});
