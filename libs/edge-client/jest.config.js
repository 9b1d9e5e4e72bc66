module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'edge-client',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
