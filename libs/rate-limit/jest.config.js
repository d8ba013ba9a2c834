module.exports = {
  displayName: 'rate-limit',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/rate-limit',
  // Integration tests (*.integration.ts) run against the project's own Postgres and Redis, which
  // this global setup starts when they are not already running.
  globalSetup: '<rootDir>/../../tools/infra/src/jest-global-setup.ts',
};
