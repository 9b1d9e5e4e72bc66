module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'bench:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int.spec.ts'],
  testTimeout: 240000,
};
