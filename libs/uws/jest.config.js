module.exports = { ...require('../../jest.preset.js'), displayName: 'uws', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
