// The device SDK in a real Chromium (Debian's `chromium`, driven by playwright-core) against a real
// edge, registry and device list started in the test process on loopback ports chosen by the OS.
// No Kafka or DynamoDB: the in-memory bus and stores, as in `npm start`.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'browser-test:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  testTimeout: 30_000,
};
