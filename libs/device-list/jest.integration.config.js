// Integration tests against real DynamoDB Local: the global setup starts it (or uses
// DYNAMODB_ENDPOINT, or a running `npm run infra:up`) and the teardown stops what it started.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'device-list:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  globalSetup: '<rootDir>/../../tools/infra/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/../../tools/infra/src/jest/global-teardown.ts',
  testTimeout: 60_000,
};
