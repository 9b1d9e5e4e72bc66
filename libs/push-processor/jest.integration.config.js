// Integration tests against a real Kafka broker: the global setup starts one as a Java process (or
// uses KAFKA_BROKERS, or a running `npm run infra:up`) and the teardown stops what it started.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'push-processor:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  globalSetup: '<rootDir>/../../tools/infra/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/../../tools/infra/src/jest/global-teardown.ts',
  testTimeout: 60_000,
};
