module.exports = {
  displayName: 'system-e2e',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/system-e2e',
  // Starts the project's own Kafka, Postgres primary + replica and Redis when they are not running.
  globalSetup: '<rootDir>/../../tools/infra/src/jest-global-setup.ts',
  testTimeout: 60_000,
};
