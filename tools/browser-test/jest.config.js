module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'browser-test',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
