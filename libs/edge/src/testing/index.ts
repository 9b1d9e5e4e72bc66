export * from './test-edge';
