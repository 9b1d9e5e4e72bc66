import { main, parseArgs } from './cli';

describe('cli', () => {
  it('parses commands and options', () => {
    expect(parseArgs(['up', '--no-kafka', '--root', '/r'])).toMatchObject({ command: 'up', kafka: false, dynamodb: true, rootDir: '/r' });
    expect(() => parseArgs(['up', '--bogus'])).toThrow(/unknown option --bogus/);
    expect(() => parseArgs(['up', 'down'])).toThrow(/unexpected argument down/);
  });

  it('prints help with --help and exits 0; an unknown command exits 2', async () => {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--help'])).toBe(0);
      expect(String(out.mock.calls[0][0])).toMatch(/Commands:\n  up[\s\S]*down[\s\S]*status/);
      expect(await main(['launch'])).toBe(2);
      expect(String(err.mock.calls[0][0])).toMatch(/unknown command launch/);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });

  it('status with nothing up says how to start and exits 1', async () => {
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['status', '--root', '/nonexistent-pushwire-root'])).toBe(1);
      expect(String(err.mock.calls[0][0])).toMatch(/nothing is up \(start with: npm run infra:up\)/);
    } finally {
      err.mockRestore();
    }
  });
});
