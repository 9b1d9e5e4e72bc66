module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'pushctl',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
