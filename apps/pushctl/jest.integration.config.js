module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'pushctl:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  testTimeout: 60000,
};
