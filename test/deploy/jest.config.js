// The deploy path (`npm run test:deploy`): a fresh clone of HEAD run the README's way as root in a
// 0700 directory, and the Dockerfile's steps replayed without a Docker engine. Slow (each installs
// and builds a clone), so not one of `npm test`'s projects; .ci/run runs it on its own.
const path = require('node:path');
const fs = require('node:fs');
const root = path.resolve(__dirname, '..', '..');
const swc = ['@swc/jest', JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'))];

/** @type {import('jest').Config} */
module.exports = {
  rootDir: root,
  displayName: 'deploy',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/deploy'],
  testMatch: ['**/*.deploy-spec.ts'],
  transform: { '^.+\\.ts$': swc },
  testTimeout: 900000,
  // One clone at a time: each runs npm install and a full build on a 2-core machine.
  maxWorkers: 1,
};
