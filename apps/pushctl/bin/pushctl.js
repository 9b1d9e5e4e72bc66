#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx pushctl` works in a fresh clone after `npm ci`.
require('tsx/cjs');
require('../src/main.ts');
