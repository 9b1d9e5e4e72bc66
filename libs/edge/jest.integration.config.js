// Integration tests on real sockets; the lease-recovery spec also runs the registry on DynamoDB
// Local, which the global setup provides (DYNAMODB_ENDPOINT, a running `npm run infra:up`, or one
// it starts and the teardown stops).
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'edge:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  globalSetup: '<rootDir>/../../tools/infra/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/../../tools/infra/src/jest/global-teardown.ts',
  testTimeout: 30000,
};
