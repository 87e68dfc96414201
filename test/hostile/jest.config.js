// The hostile-client suite (`npm run test:hostile`, issue 13): the built service as a real process
// on 127.0.0.1, attacked the way a hostile client would; one line of figures per attack. Not one of
// `npm test`'s projects; .ci/run runs it after test:reliability.
const path = require('node:path');
const fs = require('node:fs');
const root = path.resolve(__dirname, '..', '..');
const swc = ['@swc/jest', JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'))];

/** @type {import('jest').Config} */
module.exports = {
  rootDir: root,
  displayName: 'hostile',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/hostile'],
  testMatch: ['**/*.hostile-spec.ts'],
  transform: { '^.+\\.ts$': swc },
  // The same production build as the reliability suite (test/artifacts/reliability-build).
  globalSetup: '<rootDir>/test/reliability/global-setup.ts',
  testTimeout: 300000,
  maxWorkers: 1,
};
