// Unit tests (pure core, next to the code) and e2e tests (real app, real PostgreSQL) as two projects,
// so `npm test` runs both and prints one summary with the real counts.
const swc = ['@swc/jest', JSON.parse(require('fs').readFileSync(__dirname + '/.swcrc', 'utf8'))];

/** @type {import('jest').Config} */
module.exports = {
  // e2e tests boot the app on a real database; the default 5 s is too tight on a 2-core machine.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/src'],
      testMatch: ['**/*.spec.ts'],
      transform: { '^.+\\.ts$': swc },
    },
    {
      // The SDK package's own tests (pure, no server) and the generated client's drift check.
      displayName: 'sdk',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/sdk/src', '<rootDir>/scripts'],
      testMatch: ['**/*.spec.ts'],
      transform: { '^.+\\.ts$': swc },
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      transform: { '^.+\\.ts$': swc },
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      // The dashboard in Debian's Chromium against the real service; skipped (with a message) without
      // /usr/bin/chromium. Same global setup as e2e: jest runs a shared setup module only once.
      displayName: 'browser',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      transform: { '^.+\\.ts$': swc },
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
