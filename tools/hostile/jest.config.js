module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'hostile',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
