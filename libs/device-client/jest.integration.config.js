module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'device-client:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  testTimeout: 30000,
};
