module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'dynamodb-kit',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
