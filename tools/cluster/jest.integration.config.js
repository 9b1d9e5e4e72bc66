// The cluster's integration tests run real service processes against real DynamoDB Local (and, from
// the indirect-push issue on, Kafka), started by the shared infra global setup.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'cluster:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  globalSetup: '<rootDir>/../infra/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/../infra/src/jest/global-teardown.ts',
  testTimeout: 120_000,
};
