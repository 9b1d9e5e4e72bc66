export * from './test-edge';
export * from './fake-sockets';
