import { createServer } from 'node:net';
import { closeListenSocket, currentRuntime, listenPort, loadNativeUws, uWS, UnsupportedRuntimeError, type us_listen_socket } from './index';

describe('loadNativeUws', () => {
  it('loads the native build on this Node.js: the listen-socket calls the edge uses are there', () => {
    const native = loadNativeUws();
    expect(typeof native.App).toBe('function');
    expect(typeof native.us_socket_local_port).toBe('function');
    expect(typeof native.us_listen_socket_close).toBe('function');
  });

  it('never returns the pure-JS fallback, even when UWS_USE_FALLBACK asks the package for it', () => {
    const before = process.env.UWS_USE_FALLBACK;
    process.env.UWS_USE_FALLBACK = '1';
    try {
      // The fallback exports App and a few helpers but not the uSockets calls.
      expect(typeof loadNativeUws().us_socket_local_port).toBe('function');
    } finally {
      if (before === undefined) delete process.env.UWS_USE_FALLBACK;
      else process.env.UWS_USE_FALLBACK = before;
    }
  });

  it.each([
    ['22.12.0', '127'],
    ['24.1.0', '137'],
    ['18.20.4', '108'],
    ['20.9.0', '115'],
  ])('refuses Node.js %s, naming the supported versions and why', (node, modules) => {
    const load = () => loadNativeUws({ ...currentRuntime(), node, modules });
    expect(load).toThrow(UnsupportedRuntimeError);
    expect(load).toThrow(`this is Node.js ${node}`);
    expect(load).toThrow(/needs Node\.js 20\.10 or a later 20\.x/);
    expect(load).toThrow(/glibc 2\.38/);
  });

  it('says which binary it could not load when the platform has none (and keeps the loader error as cause)', () => {
    let thrown: unknown;
    try {
      loadNativeUws({ ...currentRuntime(), platform: 'freebsd' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UnsupportedRuntimeError);
    expect((thrown as Error).message).toContain(`uws_freebsd_${process.arch}_${process.versions.modules}.node`);
    expect((thrown as Error).cause).toMatchObject({ code: 'MODULE_NOT_FOUND' });
  });
});

describe('listen sockets', () => {
  it('reads back the port the OS chose and stops listening on close', async () => {
    const socket = await new Promise<us_listen_socket>((resolve, reject) =>
      uWS
        .App()
        .any('/*', (res) => void res.end('ok'))
        .listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('listen failed')))),
    );
    const port = listenPort(socket);
    expect(port).toBeGreaterThan(0);
    closeListenSocket(socket);
    // The port is free again: a plain server can bind it.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((r) => probe.close(r));
  });
});
