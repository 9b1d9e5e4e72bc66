module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'registry-client',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
