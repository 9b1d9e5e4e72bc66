module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'device-list',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
