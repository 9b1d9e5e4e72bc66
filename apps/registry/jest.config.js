// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest configs are CommonJS
module.exports = { ...require('../../jest.preset.js'), displayName: 'registry-app', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
