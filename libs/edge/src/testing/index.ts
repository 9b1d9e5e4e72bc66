export * from './test-edge';
export * from './fake-sockets';
export * from './fake-inbox';
