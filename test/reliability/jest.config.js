// The fault and load tests (`npm run test:reliability`): real service processes, a PostgreSQL the
// tests stop and start, kill -9 and SIGTERM. Not one of `npm test`'s projects; .ci/run runs it on its own.
const path = require('node:path');
const fs = require('node:fs');
const root = path.resolve(__dirname, '..', '..');
const swc = ['@swc/jest', JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'))];

/** @type {import('jest').Config} */
module.exports = {
  rootDir: root,
  displayName: 'reliability',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/reliability'],
  testMatch: ['**/*.reliability-spec.ts'],
  transform: { '^.+\\.ts$': swc },
  globalSetup: '<rootDir>/test/reliability/global-setup.ts',
  testTimeout: 240000,
  // One file at a time: each starts several services and databases on a 2-core machine.
  maxWorkers: 1,
};
